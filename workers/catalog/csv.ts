// RFC 4180 CSV: comma-separated, fields optionally in double quotes, "" for a quote inside quotes,
// quoted fields may hold commas and line breaks; LF, CRLF or CR end a record. Dependency-free so
// the Worker and the Node scripts share it.

/** One record and the (1-based) line it starts on. */
export type CsvRecord = { line: number; fields: string[] };

export type CsvResult =
  | { ok: true; records: CsvRecord[] }
  | { ok: false; line: number; message: string };

/** Parses CSV text into records; blank lines are skipped. */
export const parseCsv = (input: string): CsvResult => {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  // start: nothing of this field read yet; plain: unquoted; quoted: inside quotes; closed: after them
  let state: 'start' | 'plain' | 'quoted' | 'closed' = 'start';
  let line = 1;
  let recordLine = 1;
  const isBlank = () => fields.length === 0 && field === '' && state === 'start';

  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (state === 'quoted') {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        state = 'closed';
      } else {
        field += ch;
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      state = 'start';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (!isBlank()) {
        fields.push(field);
        records.push({ line: recordLine, fields });
      }
      fields = [];
      field = '';
      state = 'start';
      line++;
      recordLine = line;
    } else if (state === 'closed') {
      return { ok: false, line, message: `unexpected ${JSON.stringify(ch)} after a closing quote` };
    } else if (ch === '"' && state === 'start') {
      state = 'quoted';
    } else {
      field += ch;
      state = 'plain';
    }
  }
  if (state === 'quoted')
    return { ok: false, line: recordLine, message: 'unterminated quoted field' };
  if (!isBlank()) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return { ok: true, records };
};
