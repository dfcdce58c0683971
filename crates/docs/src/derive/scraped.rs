//! Reads text scraped from a rendered page, line by line. Two table shapes survive scraping:
//! pipe rows whose cells run over several lines (`| \n name | \n 否 | …`, then `|---|`), and
//! one cell per line with blank lines between (`Parameter`, `Mandatory`, `Type`, …).

use super::page::{Column, Row, Sections, Table};

pub(crate) struct Read {
    pub tables: Vec<Table>,
    pub sections: Sections,
}

pub(crate) fn read(source: &str) -> Read {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Read { tables: Vec::new(), sections: Sections::default() };
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.starts_with('|') {
            i = pipe_region(&lines, i, &out.sections, &mut out.tables);
        } else if Column::of(Sections::clean(t)) == Column::Name || Column::of(Sections::clean(t)) == Column::Status {
            match cell_table(&lines, i, &out.sections) {
                Some((table, next)) => {
                    out.tables.push(table);
                    i = next;
                }
                None => {
                    out.sections.feed(t, i + 1, false);
                    i += 1;
                }
            }
        } else {
            out.sections.feed(t, i + 1, false);
            i += 1;
        }
    }
    out
}

/// A row of a pipe region: its cells and the line of its first cell.
struct PipeRow {
    line: usize,
    cells: Vec<String>,
}

/// Read pipe rows from `start` until the text leaves the region; a `|---|` row turns the row
/// before it into the header of a new table. Returns the next line to read.
fn pipe_region(lines: &[&str], start: usize, sections: &Sections, tables: &mut Vec<Table>) -> usize {
    let mut rows: Vec<PipeRow> = Vec::new();
    let mut buf = String::new();
    let mut first_line = start + 1;
    let mut i = start;
    while i < lines.len() {
        let t = lines[i].trim();
        // Scraped cells each end their line with `|`; text that neither opens nor closes a
        // cell ends the region.
        let closed = buf.trim_end().ends_with('|') && buf.trim().len() > 1 && !t.ends_with('|');
        if t.starts_with('|') {
            if !buf.trim().is_empty() {
                rows.push(split(&buf, first_line));
            }
            buf.clear();
            first_line = i + 1;
        } else if closed && !t.is_empty() {
            break;
        }
        if buf.trim() == "|" && !t.is_empty() && !t.starts_with('|') {
            first_line = i + 1;
        }
        buf.push_str(t);
        buf.push('\n');
        i += 1;
    }
    if !buf.trim().is_empty() {
        rows.push(split(&buf, first_line));
    }
    let section = sections.current();
    let mut k = 0;
    while k < rows.len() {
        let is_sep =
            |r: &PipeRow| !r.cells.is_empty() && r.cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'));
        if k + 1 < rows.len() && is_sep(&rows[k + 1]) {
            tables.push(Table {
                section: section.clone(),
                caption: None,
                line: rows[k].line,
                columns: rows[k].cells.iter().map(|c| Column::of(c)).collect(),
                rows: Vec::new(),
            });
            k += 2;
            continue;
        }
        if let Some(t) = tables.last_mut().filter(|t| t.line >= start) {
            t.rows.push(Row { line: rows[k].line, cells: rows[k].cells.clone() });
        }
        k += 1;
    }
    i
}

fn split(buf: &str, line: usize) -> PipeRow {
    let inner = buf.trim().trim_start_matches('|').trim_end_matches('|');
    let cells = inner.split('|').map(|c| c.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    PipeRow { line, cells }
}

/// One cell per non-blank line: the header is the run of known column headings; rows follow
/// while their cells look like rows of such a table.
fn cell_table(lines: &[&str], start: usize, sections: &Sections) -> Option<(Table, usize)> {
    let cells: Vec<(usize, &str)> =
        lines.iter().enumerate().skip(start).map(|(i, l)| (i, Sections::clean(l))).filter(|(_, l)| !l.is_empty()).take(4096).collect();
    let columns: Vec<Column> = cells.iter().map(|(_, c)| Column::of(c)).take_while(|c| !matches!(c, Column::Other(_))).collect();
    if columns.len() < 2 || !columns.contains(&Column::Description) {
        return None;
    }
    let n = columns.len();
    let mut table = Table { section: sections.current(), caption: None, line: start + 1, columns, rows: Vec::new() };
    let mut next = cells[n - 1].0 + 1;
    for chunk in cells[n..].chunks(n) {
        if chunk.len() < n {
            break;
        }
        let row = Row { line: chunk[0].0 + 1, cells: chunk.iter().map(|(_, c)| c.to_string()).collect() };
        if !looks_like_row(&table, &row) {
            break;
        }
        next = chunk[n - 1].0 + 1;
        table.rows.push(row);
    }
    Some((table, next))
}

fn looks_like_row(table: &Table, row: &Row) -> bool {
    let name_ok = match table.columns.first() {
        Some(Column::Status) => row.cells[0].split_whitespace().next().is_some_and(|c| c.len() == 3 && c.parse::<u16>().is_ok()),
        _ => !row.cells[0].contains(' ') && row.cells[0].is_ascii(),
    };
    let mandatory_ok = table.cell(row, &Column::Mandatory).is_none_or(|m| super::skeleton::mandatory(m).is_some());
    let type_ok = table.cell(row, &Column::Type).is_none_or(|t| super::skeleton::json_type(t).is_some());
    name_ok && mandatory_ok && type_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_rows_over_lines_and_a_second_header() {
        let src =
            "| \n 参数 | \n 参数类型 | \n\n|---|---|\n| \n id | \n String | \n  \n| \n a | \n b | \n|---|---|\n| \n x | \n y | \n \nnext\n";
        let r = read(src);
        assert_eq!(r.tables.len(), 2);
        assert_eq!(r.tables[0].rows.len(), 1);
        assert_eq!(r.tables[0].rows[0].cells, ["id", "String"]);
        assert_eq!(r.tables[0].rows[0].line, 7);
        assert_eq!(r.tables[1].columns[0], Column::Other("a".into()));
        assert_eq!(r.tables[1].rows[0].cells, ["x", "y"]);
    }

    #[test]
    fn one_cell_per_line() {
        let src = "Request\nParameter\n\nType\n\nDescription\n\nname\n\nString\n\nThe name.\n\nExample Request\n";
        let r = read(src);
        assert_eq!(r.tables.len(), 1);
        assert_eq!(r.tables[0].rows.len(), 1);
        assert_eq!(r.tables[0].rows[0].line, 8);
        assert_eq!(r.tables[0].section, "Request");
    }
}
