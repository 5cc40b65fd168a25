//! Plain-text tables for terminal reports.

/// `rows` as left-aligned columns two spaces apart, one line per row, without trailing spaces.
pub fn format_table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|row| row.get(c)).map(|cell| cell.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, &width)| format!("{cell:width$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A markdown table; `|` inside a cell is escaped.
pub fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(header);
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    rows.iter().for_each(|row| out.push_str(&line(row)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let rows = vec![
            vec!["split".to_string(), "images".to_string()],
            vec!["train".to_string(), "60000".to_string()],
            vec!["t".to_string(), "1".to_string()],
        ];
        assert_eq!(format_table(&rows), "split  images\ntrain  60000\nt      1\n");
    }

    #[test]
    fn markdown_rows_follow_the_header_rule() {
        let header = vec!["run".to_string(), "FID".to_string()];
        let rows = vec![vec!["a|b".to_string(), "1.5".to_string()]];
        assert_eq!(markdown_table(&header, &rows), "| run | FID |\n|---|---|\n| a\\|b | 1.5 |\n");
    }
}
