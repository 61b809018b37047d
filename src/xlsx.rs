//! The workbook: what an analyst opens in Excel or LibreOffice.
//!
//! Input: the output rows as typed `Cell`s (records, document profiles, cue counts).
//! Output: the bytes of an `.xlsx` file with three sheets: *Commitments* (the output
//! contract, typed columns, frozen header, autofilter, wrapped text), *Documents* (one
//! row per document) and *Cues* (each vague and actor cue with how often it fired).
//! `write_string` never creates a formula, so no cell needs neutralising here. Excel's
//! limits are checked first: too many rows is an error, an over-long cell is cut with
//! a note, never a corrupt file.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::output::Cell;

/// Excel's largest sheet: 1,048,576 rows, one of them the header.
pub const MAX_DATA_ROWS: usize = 1_048_575;
/// Excel's longest cell text.
pub const MAX_CELL_CHARS: usize = 32_767;

/// One sheet's content: column names and rows of cells.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What was written, for the summary and warnings.
#[derive(Debug, Default)]
pub struct WorkbookReport {
    /// Cells cut to Excel's 32,767 characters.
    pub truncated_cells: usize,
}

/// Builds the workbook from its sheets. Fails, before writing anything, when a sheet
/// has more rows than Excel can hold.
pub fn workbook_bytes(sheets: &[Sheet]) -> Result<(Vec<u8>, WorkbookReport), String> {
    for sheet in sheets {
        if sheet.rows.len() > MAX_DATA_ROWS {
            return Err(format!(
                "sheet {} would have {} rows; Excel holds at most {MAX_DATA_ROWS} (write CSV or JSON Lines instead, or split the input)",
                sheet.name,
                sheet.rows.len()
            ));
        }
    }
    let mut report = WorkbookReport::default();
    let mut workbook = Workbook::new();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        fill(worksheet, sheet, &mut report)
            .map_err(|err| format!("sheet {}: {err}", sheet.name))?;
    }
    let bytes = workbook.save_to_buffer().map_err(|err| err.to_string())?;
    Ok((bytes, report))
}

fn fill(
    worksheet: &mut Worksheet,
    sheet: &Sheet,
    report: &mut WorkbookReport,
) -> Result<(), XlsxError> {
    worksheet.set_name(sheet.name)?;
    let header = Format::new().set_bold();
    let wrapped = Format::new().set_text_wrap();
    for (col, name) in sheet.columns.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, name, &header)?;
        worksheet.set_column_width(col as u16, column_width(name))?;
    }
    for (row_idx, row) in sheet.rows.iter().enumerate() {
        let row_number = (row_idx + 1) as u32;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(text) => {
                    let text = fit(text, report);
                    if is_long_column(&sheet.columns[col as usize]) {
                        worksheet.write_string_with_format(row_number, col, text, &wrapped)?;
                    } else {
                        worksheet.write_string(row_number, col, text)?;
                    }
                }
                Cell::Number(number) => {
                    worksheet.write_number(row_number, col, *number)?;
                }
                Cell::Bool(value) => {
                    worksheet.write_boolean(row_number, col, *value)?;
                }
                Cell::Empty => {}
            }
        }
    }
    worksheet.set_freeze_panes(1, 0)?;
    if !sheet.columns.is_empty() {
        let last_row = sheet.rows.len().max(1) as u32;
        worksheet.autofilter(0, 0, last_row, (sheet.columns.len() - 1) as u16)?;
    }
    Ok(())
}

/// Cuts a text to Excel's cell limit, marking the cut.
fn fit<'a>(text: &'a str, report: &mut WorkbookReport) -> std::borrow::Cow<'a, str> {
    if text.chars().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    report.truncated_cells += 1;
    let kept: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
    std::borrow::Cow::Owned(format!("{kept}…"))
}

fn is_long_column(name: &str) -> bool {
    matches!(
        name,
        "text"
            | "section"
            | "actor_cue"
            | "commitment_cue"
            | "vague_cues"
            | "anchors"
            | "neutralised_cues"
            | "cue"
    )
}

/// Widths in characters: wide for text, narrow for flags and numbers.
fn column_width(name: &str) -> f64 {
    match name {
        "text" => 70.0,
        "section" | "actor_cue" | "commitment_cue" | "cue" | "rule" => 32.0,
        "doc" => 40.0,
        "vague_cues" | "anchors" | "neutralised_cues" => 28.0,
        "unit" | "start" | "end" | "page" | "year" | "vague" | "count" => 8.0,
        _ => 14.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_rows_is_a_clear_error_not_a_file() {
        let sheet = Sheet {
            name: "Commitments",
            columns: vec!["text".into()],
            rows: vec![vec![]; MAX_DATA_ROWS + 1],
        };
        let err = workbook_bytes(&[sheet]).unwrap_err();
        assert!(err.contains("Excel holds at most 1048575"), "{err}");
    }

    #[test]
    fn over_long_cells_are_cut_and_counted() {
        let long = "å".repeat(MAX_CELL_CHARS + 10);
        let sheet = Sheet {
            name: "Commitments",
            columns: vec!["text".into()],
            rows: vec![vec![Cell::Text(long)]],
        };
        let (bytes, report) = workbook_bytes(&[sheet]).unwrap();
        assert_eq!(report.truncated_cells, 1);
        assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip archive");
    }
}
