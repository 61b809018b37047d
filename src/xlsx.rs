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
    check_rows(sheets)?;
    let mut report = WorkbookReport::default();
    let mut workbook = Workbook::new();
    for sheet in sheets {
        fill(workbook.add_worksheet(), sheet, &mut report)
            .map_err(|err| format!("sheet {}: {err}", sheet.name))?;
    }
    let bytes = workbook.save_to_buffer().map_err(|err| err.to_string())?;
    Ok((bytes, report))
}

/// A workbook whose first sheet is written a row at a time as documents arrive, into a
/// temporary file rather than memory (rust_xlsxwriter's constant-memory mode), so that
/// a large batch does not hold every row until the end; the other sheets are added
/// whole by `finish`.
pub struct StreamedWorkbook {
    workbook: Workbook,
    name: String,
    columns: Vec<String>,
    rows: usize,
    report: WorkbookReport,
    wrapped: Format,
}

impl StreamedWorkbook {
    /// A workbook whose first sheet, `name`, has these columns.
    pub fn new(name: &str, columns: Vec<String>) -> Result<StreamedWorkbook, String> {
        let mut workbook = Workbook::new();
        let worksheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(|err| format!("cannot start the workbook: {err}"))?;
        write_header(worksheet, name, &columns).map_err(|err| format!("sheet {name}: {err}"))?;
        Ok(StreamedWorkbook {
            workbook,
            name: name.to_string(),
            columns,
            rows: 0,
            report: WorkbookReport::default(),
            wrapped: wrapped(),
        })
    }

    /// Adds a row to the first sheet; an error once the sheet would hold more rows than
    /// Excel can (nothing is written to the output before `finish`).
    pub fn add_row(&mut self, row: &[Cell]) -> Result<(), String> {
        self.rows += 1;
        if self.rows > MAX_DATA_ROWS {
            return Err(too_many_rows(&self.name, self.rows));
        }
        let worksheet = self
            .workbook
            .worksheet_from_index(0)
            .expect("the first sheet was added by new");
        let at = self.rows as u32;
        write_row(
            worksheet,
            &self.columns,
            at,
            row,
            &self.wrapped,
            &mut self.report,
        )
        .map_err(|err| format!("sheet {}: {err}", self.name))
    }

    /// The workbook's bytes, with `others` added after the first sheet.
    pub fn finish(mut self, others: &[Sheet]) -> Result<(Vec<u8>, WorkbookReport), String> {
        check_rows(others)?;
        let first = self
            .workbook
            .worksheet_from_index(0)
            .expect("the first sheet was added by new");
        finish_sheet(first, self.columns.len(), self.rows)
            .map_err(|err| format!("sheet {}: {err}", self.name))?;
        for sheet in others {
            fill(self.workbook.add_worksheet(), sheet, &mut self.report)
                .map_err(|err| format!("sheet {}: {err}", sheet.name))?;
        }
        let bytes = self
            .workbook
            .save_to_buffer()
            .map_err(|err| err.to_string())?;
        Ok((bytes, self.report))
    }
}

fn check_rows(sheets: &[Sheet]) -> Result<(), String> {
    match sheets.iter().find(|sheet| sheet.rows.len() > MAX_DATA_ROWS) {
        Some(sheet) => Err(too_many_rows(sheet.name, sheet.rows.len())),
        None => Ok(()),
    }
}

fn too_many_rows(name: &str, rows: usize) -> String {
    format!(
        "sheet {name} would have {rows} rows; Excel holds at most {MAX_DATA_ROWS} (write CSV or JSON Lines instead, or split the input)"
    )
}

fn fill(
    worksheet: &mut Worksheet,
    sheet: &Sheet,
    report: &mut WorkbookReport,
) -> Result<(), XlsxError> {
    write_header(worksheet, sheet.name, &sheet.columns)?;
    let wrapped = wrapped();
    for (row_idx, row) in sheet.rows.iter().enumerate() {
        let at = (row_idx + 1) as u32;
        write_row(worksheet, &sheet.columns, at, row, &wrapped, report)?;
    }
    finish_sheet(worksheet, sheet.columns.len(), sheet.rows.len())
}

/// The sheet's name, its bold header row and its column widths.
fn write_header(
    worksheet: &mut Worksheet,
    name: &str,
    columns: &[String],
) -> Result<(), XlsxError> {
    worksheet.set_name(name)?;
    let header = Format::new().set_bold();
    for (col, name) in columns.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, name, &header)?;
        worksheet.set_column_width(col as u16, column_width(name))?;
    }
    Ok(())
}

/// One row of typed cells; long text columns wrap.
fn write_row(
    worksheet: &mut Worksheet,
    columns: &[String],
    row_number: u32,
    row: &[Cell],
    wrapped: &Format,
    report: &mut WorkbookReport,
) -> Result<(), XlsxError> {
    for (col, cell) in row.iter().enumerate() {
        let col_number = col as u16;
        match cell {
            Cell::Text(text) => {
                let text = fit(text, report);
                if is_long_column(&columns[col]) {
                    worksheet.write_string_with_format(row_number, col_number, text, wrapped)?;
                } else {
                    worksheet.write_string(row_number, col_number, text)?;
                }
            }
            Cell::Number(number) => {
                worksheet.write_number(row_number, col_number, *number)?;
            }
            Cell::Bool(value) => {
                worksheet.write_boolean(row_number, col_number, *value)?;
            }
            Cell::Empty => {}
        }
    }
    Ok(())
}

/// The format of the long text columns: wrapped.
fn wrapped() -> Format {
    Format::new().set_text_wrap()
}

/// The frozen header row and the autofilter over the rows written.
fn finish_sheet(worksheet: &mut Worksheet, columns: usize, rows: usize) -> Result<(), XlsxError> {
    worksheet.set_freeze_panes(1, 0)?;
    if columns > 0 {
        worksheet.autofilter(0, 0, rows.max(1) as u32, (columns - 1) as u16)?;
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
    fn a_streamed_sheet_stops_at_excel_s_row_limit() {
        let mut workbook = StreamedWorkbook::new("Commitments", vec!["text".into()]).unwrap();
        for _ in 0..MAX_DATA_ROWS {
            workbook.add_row(&[]).unwrap();
        }
        let err = workbook.add_row(&[]).unwrap_err();
        assert!(err.contains("Excel holds at most 1048575"), "{err}");
    }

    #[test]
    fn a_streamed_sheet_reads_back_with_the_sheets_added_at_the_end() {
        use calamine::Reader;
        let mut workbook = StreamedWorkbook::new("Commitments", vec!["text".into()]).unwrap();
        workbook
            .add_row(&[Cell::Text("Polisen ska patrullera.".into())])
            .unwrap();
        let documents = Sheet {
            name: "Documents",
            columns: vec!["doc".into()],
            rows: vec![vec![Cell::Text("a.txt".into())]],
        };
        let (bytes, _) = workbook.finish(&[documents]).unwrap();
        let mut read = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(read.sheet_names(), ["Commitments", "Documents"]);
        let rows = read.worksheet_range("Commitments").unwrap();
        assert_eq!(
            rows.get((1, 0)),
            Some(&calamine::Data::String("Polisen ska patrullera.".into()))
        );
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
