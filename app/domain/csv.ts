// CSV for downloads (RFC 4180), one cell writer for every export so the spreadsheet-formula guard lives once.
import { formatDecimal } from "#app/domain/money.ts";

const NUMBER_TEXT = /^-?\d+(?:\.\d+)?$/;

/** A number cell kept as exact decimal text, for amounts a float can't hold ("-12.50", "0.10"). */
export interface CsvNumber {
  readonly csvNumber: string;
}

/** A number cell from exact decimal text; throws on anything that is not a plain decimal number. */
export function csvNumber(text: string): CsvNumber {
  if (!NUMBER_TEXT.test(text)) throw new RangeError(`Not a decimal number for a CSV cell: ${JSON.stringify(text)}`);
  return { csvNumber: text };
}

/** Minor units as a number cell in decimal units of the currency: -1250 eur → -12.50, 1500 jpy → 1500. */
export function csvAmount(amount: number, currency: string): CsvNumber {
  return csvNumber(formatDecimal(amount, currency));
}

export type CsvCell = string | number | CsvNumber | null | undefined;

/**
 * One CSV field. Numbers (a `number` or a `CsvNumber`) are written as they are, so a spreadsheet reads -12.50 as a
 * negative number. Text a spreadsheet would run as a formula (=, +, -, @, tab or CR at the start) gets a leading
 * apostrophe; text is quoted when it holds a comma, quote, CR or LF, with quotes doubled. Null is an empty cell.
 */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Not a finite number for a CSV cell: ${value}`);
    return String(value);
  }
  if (typeof value === "object") return csvNumber(value.csvNumber).csvNumber;
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of fields, ended with CRLF. */
export function csvLine(fields: CsvCell[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** A whole CSV document: the header line, then one line per row. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map(csvLine).join("");
}
