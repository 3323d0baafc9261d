import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, cli, onHand } from './support/cli.ts';

// SKU codes of this file only: the mesh is shared by every CLI test file.
const A = 'MV-TEE-A';
const B = 'MV-TEE-B';
const C = 'MV-TEE-C';
let dir: string;

const location = (code: string) => ({
  code,
  name: code,
  kind: 'warehouse',
  region: 'UK',
  country: 'GB',
  latitude: 53.48,
  longitude: -2.24,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stockmesh-cli-mv-'));
  for (const code of ['MV-MAN', 'MV-LON']) await api('POST', '/v1/locations', location(code));
  const skus = join(dir, 'skus.csv');
  await writeFile(skus, `code,title\n${A},Tee A\n${B},"Tee B, blue"\n${C},Tee C\n`);
  expect(await cli(['import', 'skus', skus])).toEqual({
    code: 0,
    out: '3 lines: 3 created, 0 updated\n',
    err: '',
  });
});

describe('stockmesh movements', () => {
  it('applies the good lines, reports exactly the bad ones, and exits 1', async () => {
    const file = join(dir, 'counts.csv');
    await writeFile(
      file,
      [
        'sku,op,location,quantity,reason',
        `${A},receive,MV-MAN,10,po_receipt`,
        `${B},count,MV-MAN,7,cycle_count`,
        'NOPE-1,receive,MV-MAN,5,',
        `${A},adjust,MV-MAN,-3,damaged`,
        `${C},receive,MV-LON,x,`,
        `${B},adjust,MV-LON,-50,damaged`,
        `${C},receive,MV-LON,4,`,
        '',
      ].join('\n'),
    );
    const first = await cli(['movements', file]);
    expect(first).toEqual({
      code: 1,
      out: `7 lines: 4 applied, 0 replayed, 3 failed\nfailed lines: ${join(dir, 'counts.errors.csv')}\n`,
      err: '',
    });
    expect(await readFile(join(dir, 'counts.errors.csv'), 'utf8')).toBe(
      [
        'line,error,message,sku,op,location,quantity,reason',
        '4,unknown_sku,SKU NOPE-1 is not in the catalog,NOPE-1,receive,MV-MAN,5,',
        `6,validation_failed,"quantity: Invalid input: expected number, received string",${C},receive,MV-LON,x,`,
        `7,insufficient_stock,"SKU ${B} at MV-LON: cannot remove 50, 0 free (onHand 0, reserved 0, committed 0, unavailable 0)",${B},adjust,MV-LON,-50,damaged`,
        '',
      ].join('\n'),
    );
    expect([await onHand(A), await onHand(B), await onHand(C)]).toEqual([7, 7, 4]);

    // Run again: every good line is a replay of its first result, the bad ones fail again.
    expect(await cli(['movements', file, '--json'])).toEqual({
      code: 1,
      out: `${JSON.stringify({ file, lines: 7, applied: 0, replayed: 4, failed: 3, errors: join(dir, 'counts.errors.csv') })}\n`,
      err: '',
    });
    expect([await onHand(A), await onHand(B), await onHand(C)]).toEqual([7, 7, 4]);
  });

  it('sends a file in batches, and the fixed error report applies only the lines it fixes', async () => {
    const file = join(dir, 'receipts.csv');
    const lines = [1, 2, 3, 4, 5, 6, 7].map((n) => `${n === 5 ? 'NOPE-2' : A},receive,MV-LON,${n}`);
    await writeFile(file, `sku,op,location,quantity\n${lines.join('\n')}\n`);
    const report = join(dir, 'receipts-report.csv');
    const before = await onHand(A);
    const first = await cli(['movements', file, '--batch-size', '3', '--errors', report]);
    expect(first).toMatchObject({
      code: 1,
      out: `7 lines: 6 applied, 0 replayed, 1 failed\nfailed lines: ${report}\n`,
    });
    expect(await onHand(A)).toBe(before + 1 + 2 + 3 + 4 + 6 + 7);

    // The operator fixes the SKU in the report and feeds the report back.
    const text = await readFile(report, 'utf8');
    expect(text).toBe(
      'line,error,message,sku,op,location,quantity\n6,unknown_sku,SKU NOPE-2 is not in the catalog,NOPE-2,receive,MV-LON,5\n',
    );
    await writeFile(report, text.replace('NOPE-2,receive', `${A},receive`));
    expect(await cli(['movements', report])).toMatchObject({
      code: 0,
      out: '1 lines: 1 applied, 0 replayed, 0 failed\n',
    });
    expect(await onHand(A)).toBe(before + 28);
  });

  it('refuses a file whose header it does not know, before sending anything (exit 2)', async () => {
    const file = join(dir, 'bad-header.csv');
    await writeFile(file, `sku,op,location,qty\n${A},receive,MV-MAN,1\n`);
    const before = await onHand(A);
    expect(await cli(['movements', file])).toEqual({
      code: 2,
      out: '',
      err: `stockmesh: ${file}: unknown column qty (columns: sku,op,location,quantity,reason,ref,expectedOnHand,fromIncoming)\n`,
    });
    expect(await onHand(A)).toBe(before);
  });
});
