import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv';

describe('parseCsv', () => {
  it('splits records and fields and numbers the lines', () => {
    expect(parseCsv('code,title\nA1,Mug\nB2,Plate\n')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['code', 'title'] },
        { line: 2, fields: ['A1', 'Mug'] },
        { line: 3, fields: ['B2', 'Plate'] },
      ],
    });
  });

  it('keeps commas, escaped quotes and line breaks inside quoted fields', () => {
    expect(parseCsv('a,"b, c","say ""hi""","two\nlines"\nnext,1,2,3')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['a', 'b, c', 'say "hi"', 'two\nlines'] },
        { line: 3, fields: ['next', '1', '2', '3'] },
      ],
    });
  });

  it('accepts CRLF and CR line endings, a byte order mark and no final newline', () => {
    expect(parseCsv('\ufeffx,y\r\n1,2\r3,4')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['x', 'y'] },
        { line: 2, fields: ['1', '2'] },
        { line: 3, fields: ['3', '4'] },
      ],
    });
  });

  it('keeps empty fields, skips blank lines, and keeps a line holding only ""', () => {
    expect(parseCsv('a,,c\n\n,\n""\n\n')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['a', '', 'c'] },
        { line: 3, fields: ['', ''] },
        { line: 4, fields: [''] },
      ],
    });
  });

  it('rejects text after a closing quote and an unterminated quote, naming the line', () => {
    expect(parseCsv('ok\n"a"b,c')).toEqual({
      ok: false,
      line: 2,
      message: 'unexpected "b" after a closing quote',
    });
    expect(parseCsv('ok\nx,"open\nstill open')).toEqual({
      ok: false,
      line: 2,
      message: 'unterminated quoted field',
    });
  });

  it('returns no records for empty input', () => {
    expect(parseCsv('')).toEqual({ ok: true, records: [] });
  });
});
