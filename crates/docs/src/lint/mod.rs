//! `specgate lint-docs`: the defects of vendor API reference pages themselves, each cited.
//! Pipeline: parse (the `derive` readers) → model (the page's skeleton) → check (`example`,
//! `params`, `pages`) → report (`report`: text, JSON, Markdown).

pub mod cli;
pub(crate) mod defect;
mod example;
mod pages;
mod params;
pub mod report;

use std::path::PathBuf;

pub use defect::{Defect, DefectKind, Place};

use crate::derive::{derive, read_page, DocError, Page};

/// The defects of a set of pages, in page order, then line order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lint {
    /// The pages' file names, as the citations name them.
    pub pages: Vec<String>,
    pub defects: Vec<Defect>,
}

/// Read every page first: one unreadable page stops the lint before anything is reported.
pub fn read_pages(paths: &[PathBuf]) -> Result<Vec<Page>, DocError> {
    paths.iter().map(|p| read_page(p)).collect()
}

/// Check pages already read: each on its own, then every two pages of the same endpoint.
pub fn lint(pages: &[Page]) -> Lint {
    let skeletons: Vec<_> = pages.iter().map(derive).collect();
    let mut defects = Vec::new();
    for (page, skeleton) in pages.iter().zip(&skeletons) {
        defects.extend(example::check(page, skeleton));
        defects.extend(params::check(page, skeleton));
    }
    let pairs: Vec<_> = pages.iter().zip(&skeletons).collect();
    defects.extend(pages::check(&pairs));
    let order: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
    defects.sort_by(|a, b| {
        let rank = |d: &Defect| order.iter().position(|f| *f == d.at.file).unwrap_or(usize::MAX);
        (rank(a), a.at.line, a.kind).cmp(&(rank(b), b.at.line, b.kind))
    });
    Lint { pages: order.iter().map(|s| s.to_string()).collect(), defects }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# List things\n\n## URI\n\nGET /v2/things?sort_key={sort_key}&kind={knd}\n\n## 请求消息\n\n\
| 参数 | 是否必选 | 参数类型 | 描述 |\n|---|---|---|---|\n\
| sort_key | 否 | String | 取值为name、create_at，默认为name。 |\n\
| kind | 否 | String | 取值为a、b，默认值是c。 |\n\
| since | 否 | String | 例如，查询创建时间在2018-10-28之前的镜像：since=gt:2018-10-28 |\n\n\
## 响应消息\n\n| 参数 | 参数类型 | 描述 |\n|---|---|---|\n| things | Array of objects | 列表 |\n\n\
| 参数 | 参数类型 | 描述 |\n|---|---|---|\n| name | String | 名称 |\n| created_at | String | 时间 |\n| size | Integer | 大小，大于0。 |\n| owner | String | 所有者 |\n\n\
## 响应示例\n\n```\n{\n  \"thing\": [\n    {\n      \"name\": null,\n      \"size\": 0,\n      \"created_at\": 5,\n      \"extra\": \"x\"\n    }\n  ]\n}\n```\n";

    fn found(kind: DefectKind, row: &str) -> Vec<Defect> {
        let page = crate::derive::parse_page(std::path::Path::new("p.md"), PAGE).unwrap();
        lint(&[page]).defects.into_iter().filter(|d| d.kind == kind && d.at.row.as_deref() == Some(row)).collect()
    }

    #[test]
    fn every_rule_fires_on_a_page_made_to_break_it() {
        assert_eq!(found(DefectKind::MisspeltSortKey, "sort_key").len(), 1);
        assert_eq!(found(DefectKind::DefaultNotAllowed, "kind").len(), 1);
        assert_eq!(found(DefectKind::UriTemplate, "kind").len(), 1);
        let op = found(DefectKind::OperatorExample, "since");
        assert_eq!(op.len(), 1);
        assert_eq!(op[0].at.line, 13, "{op:?}");
        assert_eq!(found(DefectKind::WrapperKey, "thing").len(), 1);
        assert_eq!(found(DefectKind::NullWhereTyped, "thing[].name").len(), 1);
        let bound = found(DefectKind::ConstraintContradicted, "thing[].size");
        assert_eq!(bound[0].at.line, 35, "{bound:?}");
        assert_eq!(found(DefectKind::ExtraField, "thing[].extra").len(), 1);
        assert_eq!(found(DefectKind::WrongType, "thing[].created_at").len(), 1);
        assert_eq!(found(DefectKind::MissingField, "thing[].owner").len(), 1);
    }
}
