"""The official IMS SDK's ListImages models against specs/ims/cloudimages.yaml, field by field.

huaweicloudsdkims is generated from Huawei's API definitions and is newer than the seed doc.
This compares, by wire name:
  - ListImagesRequest (query parameters) with the spec's filter parameters and paging/sort
    parameters: presence, type (str/int/bool), and enumerated values;
  - ImageInfo (one item of the response) with specs/schemas/ims-cloudimage.json (must) and
    ims-cloudimage-strict.json (should): presence, type and enumerated values.
The SDK's models carry no enums; the values are read from the descriptions the generator copied
("取值为 a、b", "x：… y：…"), which is a heuristic: every extracted set is printed with the field.

  python sdk_models.py ROOT            print the differences; exit 1 if they differ from the
                                       recorded ones (docs/sdk-models.json)
  python sdk_models.py ROOT --write    record them in docs/sdk-models.json
"""

import importlib.metadata
import json
import re
import sys
from pathlib import Path

import yaml
from huaweicloudsdkims.v2.model import ImageInfo, ListImagesRequest

SDK = f"huaweicloudsdkims {importlib.metadata.version('huaweicloudsdkims')}"
RECORD = "docs/sdk-models.json"

# Phrases after which a description lists the allowed values.
TRIGGERS = ("取值包括", "取值如下", "一般取值为", "取值为", "目前取值", "目前支持以下类型", "目前支持", "取值：", "建议设置为")
# ASCII words in a value list that are prose, not values.
NOT_VALUES = {"true or false", "ID", "UUID", "JSON", "ISO", "AMD", "SDK", "API", "ECS", "BMS", "IMS"}


# What the spec does about each known difference (model, field, kind) → decision. A new
# difference has none and fails the check until it is decided here.
DECISIONS = {
    ("ListImagesRequest", "__imagetype", "enum"):
        "market is proved by the SDK: the strict item schema accepts it (should). The filter does not "
        "send it: a value tried at must needs the doc.",
    ("ListImagesRequest", "disk_format", "enum"):
        "The doc's request table also lists iso; the spec keeps the doc's values.",
    ("ListImagesRequest", "sort_key", "enum"):
        "Neither the SDK nor the doc (which misspells it create_at) names created_at, though both "
        "make the creation time the default; the spec sorts by created_at as upstream Glance does "
        "and tries create_at at should.",
    ("ListImagesRequest", "__whole_image", "not in SDK"):
        "In the doc's request table; kept, at should (no response field shows it).",
    ("ImageInfo", "disk_format", "enum"):
        "The doc's table also lists iso, and zvhd2 is the request table's default; the strict "
        "schema keeps the doc's values.",
    ("ImageInfo", "status", "enum"):
        "The must schema also accepts upstream Glance's statuses (deactivated, uploading, importing, "
        "pending_delete); the strict schema keeps the doc's five, as the SDK does.",
    ("ImageInfo", "visibility", "enum"):
        "The must schema also accepts upstream Glance's community; the strict schema keeps the doc's "
        "three, as the SDK does.",
    ("ImageInfo", "__support_kvm_fpga_type", "not in SDK"):
        "In the doc's own example (not its table); optional in both schemas.",
    ("ImageInfo", "deleted", "not in SDK"):
        "In the doc's table; optional in both schemas.",
    ("ImageInfo", "deleted_at", "not in SDK"):
        "In the doc's table; optional in both schemas.",
}


def sdk_type(t):
    return {"str": "string", "int": "integer", "bool": "boolean", "list[str]": "array"}.get(t, t)


def values_from_description(text):
    """The enumerated values a generated description lists, or None."""
    # The generator wraps long descriptions inside words ("Dat            aImage").
    text = re.sub(r"(?<=[A-Za-z])\s{4,}(?=[A-Za-z])", "", text)
    text = " ".join(text.split())
    at = min((text.find(t) + len(t) for t in TRIGGERS if t in text), default=-1)
    if at < 0:
        return None
    rest = text[at:]
    # '“true”或者“false”': quoted values, when the list quotes them.
    quoted = re.findall(r'[“"]([A-Za-z0-9_]+)[”"]', re.split(r"[。]", rest)[0])
    if len(quoted) >= 2:
        return sorted(set(quoted))
    # "queued：表示… saving：表示…": values are the words before full-width colons.
    named = re.findall(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*：", rest)
    if len(named) >= 2:
        return sorted(set(named))
    # "a、b，c。默认值是a" or "公共镜像：gold 私有镜像：private": the words up to the first full stop
    # or the default value.
    rest = re.split(r"[。]|默认", rest)[0]
    words = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+", rest) if w not in NOT_VALUES]
    return sorted(set(words)) if len(words) >= 2 else None


def model_fields(model):
    """{wire name: (type, enum or None, description)} of a generated model class."""
    out = {}
    for attr, wire in model.attribute_map.items():
        doc = getattr(model, attr).__doc__ or ""
        desc = doc.split("\n\n")[1].strip() if "\n\n" in doc else ""
        out[wire] = (sdk_type(model.openapi_types[attr]), values_from_description(desc), desc)
    return out


def spec_parameters(root):
    """{query parameter: (type, enum or None, where)} the cloudimages spec covers."""
    spec = yaml.safe_load((root / "specs/ims/cloudimages.yaml").read_text(encoding="utf-8"))
    out = {}
    kind = {"boolean": "boolean", "at_least": "integer", "at_most": "integer"}
    for p in spec.get("filters", {}).get("params", []):
        values = [str(v).lower() if isinstance(v, bool) else str(v) for v in p.get("values", [])] or None
        if p["relation"] == "mapped":
            values = sorted(p.get("values") or p["map"].keys())
        out[p["param"]] = (kind.get(p["relation"], "string"), sorted(values) if values else None, "filters")
    pag = spec.get("pagination", {})
    out[pag.get("marker", "marker")] = ("string", None, "pagination")
    out[pag.get("limit", "limit")] = ("integer", None, "pagination")
    sort = pag.get("sort", {})
    if sort:
        out[sort.get("key_param", "sort_key")] = ("string", sorted(sort.get("keys", {})), "pagination.sort")
        out[sort.get("dir_param", "sort_dir")] = ("string", ["asc", "desc"], "pagination.sort")
    # Parameters only explicit cases send.
    for case in spec.get("cases", []):
        for k in case.get("query", {}) or {}:
            out.setdefault(k, ("string", None, f"case {case['name']}"))
    return out


def schema_fields(root, name):
    """{property: (types, enum or None)} of a schema file (its own properties only)."""
    schema = json.loads((root / "specs/schemas" / name).read_text(encoding="utf-8"))
    out = {}
    for k, p in schema.get("properties", {}).items():
        t = p.get("type")
        types = sorted(t) if isinstance(t, list) else ([t] if t else [])
        enum = p.get("enum")
        if enum is None and "const" in p:
            enum = [p["const"]]
        out[k] = (types, sorted(str(e) for e in enum if e is not None) if enum else None)
    return out


def compare(root):
    diffs = []

    def diff(model, field, kind, sdk, spec, note=""):
        decision = DECISIONS.get((model, field, kind))
        diffs.append({"model": model, "field": field, "kind": kind, "sdk": sdk, "spec": spec, "note": note,
                      "decision": decision})

    # -- request
    params = spec_parameters(root)
    for wire, (t, enum, _) in sorted(model_fields(ListImagesRequest).items()):
        if wire.lower() == "x-sdk-date":
            continue  # a signing header, not a query parameter
        if wire not in params:
            diff("ListImagesRequest", wire, "not in spec", t, None)
            continue
        st, senum, where = params[wire]
        if st != t:
            diff("ListImagesRequest", wire, "type", t, st, where)
        if enum and senum and set(enum) != set(senum):
            diff("ListImagesRequest", wire, "enum", enum, senum, where)
    sdk_params = {w for w in ListImagesRequest.attribute_map.values()}
    for p, (st, _, where) in sorted(params.items()):
        if p not in sdk_params:
            diff("ListImagesRequest", p, "not in SDK", None, st, where)

    # -- response item
    must = schema_fields(root, "ims-cloudimage.json")
    strict = schema_fields(root, "ims-cloudimage-strict.json")
    for wire, (t, enum, _) in sorted(model_fields(ImageInfo).items()):
        if wire not in must and wire not in strict:
            diff("ImageInfo", wire, "not in schema", t, None)
            continue
        types = set(must.get(wire, ([], None))[0]) | set(strict.get(wire, ([], None))[0])
        if types and t not in types:
            diff("ImageInfo", wire, "type", t, sorted(types))
        for level, fields in (("must", must), ("should", strict)):
            senum = fields.get(wire, ([], None))[1]
            if enum and senum and set(enum) != set(senum):
                diff("ImageInfo", wire, "enum", enum, senum, f"{level} schema")
    sdk_fields = set(ImageInfo.attribute_map.values())
    for k in sorted(set(must) | set(strict)):
        if k not in sdk_fields:
            diff("ImageInfo", k, "not in SDK", None, sorted(set(must.get(k, ([], None))[0]) | set(strict.get(k, ([], None))[0])))
    return diffs


def main():
    root = Path(sys.argv[1]).resolve()
    write = "--write" in sys.argv[2:]
    diffs = compare(root)
    record = {"sdk": SDK, "spec": "specs/ims/cloudimages.yaml", "differences": diffs}
    for d in diffs:
        print(f"{d['model']}.{d['field']}: {d['kind']}: SDK {json.dumps(d['sdk'], ensure_ascii=False)}, "
              f"spec {json.dumps(d['spec'], ensure_ascii=False)}{' (' + d['note'] + ')' if d['note'] else ''}")
    print(f"{len(diffs)} differences between {SDK} and specs/ims/cloudimages.yaml")
    path = root / RECORD
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if write:
        path.write_text(text, encoding="utf-8")
        print(f"recorded in {RECORD}")
        return 0
    recorded = path.read_text(encoding="utf-8") if path.exists() else ""
    undecided = [f"{d['model']}.{d['field']} ({d['kind']})" for d in diffs if not d["decision"]]
    if undecided:
        print(f"no decision recorded (DECISIONS in {Path(__file__).name}) for: {', '.join(undecided)}")
        return 1
    if recorded != text:
        print(f"these differ from the ones recorded in {RECORD}: review them, record them with "
              f"`scripts/clients.sh models --write`, and regenerate docs/coverage.md "
              f"(cargo test --test coverage)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
