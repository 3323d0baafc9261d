import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminKey, api, cli, meshUrl, spawnCli } from './support/cli.ts';

// SKU, location and channel codes of this file only: the mesh is shared by every CLI test file.
const SKU = 'CMD-MUG';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stockmesh-cli-cmd-'));
  await api('POST', '/v1/locations', {
    code: 'CMD-MAN',
    name: 'Manchester',
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 53.48,
    longitude: -2.24,
  });
  await api('POST', '/v1/skus', { code: SKU, title: 'Mug' });
  await api('POST', `/v1/skus/${SKU}/receive`, { location: 'CMD-MAN', quantity: 12 });
  await api('POST', '/v1/channels', {
    code: 'cmd-web',
    name: 'Web',
    kind: 'storefront',
    locations: ['CMD-MAN'],
    buffer: 2,
  });
});

describe('stockmesh, the process', () => {
  it('prints help for every command and exits 0', async () => {
    const help = await spawnCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: stockmesh [options] [command]');
    expect(help.out).toContain('4  the mesh is unreachable at --url');
    for (const command of [
      ['import', 'skus'],
      ['import', 'mappings'],
      ['movements'],
      ['tail'],
      ['stock'],
      ['reconcile'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['channels'],
    ]) {
      const { code, out } = await cli([...command, '--help']);
      expect(code, command.join(' ')).toBe(0);
      expect(out).toContain(`Usage: stockmesh ${command.join(' ')}`);
    }
  });

  it('reads the mesh and the key from STOCKMESH_URL and STOCKMESH_KEY', async () => {
    const env = { STOCKMESH_URL: meshUrl(), STOCKMESH_KEY: adminKey() };
    const { code, out } = await spawnCli(['stock', SKU, '--json'], env);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ sku: SKU, totals: { onHand: 12 } });
  });

  it('exits 2 on usage errors, 3 on a bad key, 4 when the mesh is unreachable', async () => {
    expect(await spawnCli(['stock', SKU])).toEqual({
      code: 2,
      out: '',
      err: 'stockmesh: no mesh URL: pass --url or set STOCKMESH_URL\n',
    });
    expect((await cli(['stock'])).code).toBe(2);
    expect((await cli(['stock', SKU, '--bogus'])).code).toBe(2);
    expect((await cli(['movements', join(dir, 'missing.csv')])).code).toBe(2);
    expect(await cli(['stock', SKU], 'smk_not_a_key')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/^stockmesh: unauthorized: /),
    });
    const gone = await spawnCli(['stock', SKU, '--url', 'http://127.0.0.1:9', '--key', 'k']);
    expect(gone).toMatchObject({
      code: 4,
      err: expect.stringMatching(/^stockmesh: cannot reach http:\/\/127\.0\.0\.1:9/),
    });
  });
});

describe('stockmesh stock, tail, reconcile, channels', () => {
  it("prints a SKU's quantities per location and in total", async () => {
    expect(await cli(['stock', SKU])).toEqual({
      code: 0,
      err: '',
      out: [
        `${SKU}  seq 1  policy deny`,
        'location  onHand  reserved  committed  unavailable  safetyStock  incoming  available  backordered',
        'CMD-MAN       12         0          0            0            0         0         12            0',
        'total         12         0          0            0            0         0         12            0',
        '',
      ].join('\n'),
    });
    expect(await cli(['stock', 'CMD-NONE'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^stockmesh: unknown_sku: /),
    });
  });

  it('tails the stream: the current state with --once, then live changes', async () => {
    const once = await cli(['tail', '--skus', SKU, '--channel', 'cmd-web', '--json', '--once']);
    expect(once.code).toBe(0);
    expect(JSON.parse(once.out)).toMatchObject({
      sku: SKU,
      locations: [{ location: 'CMD-MAN', onHand: 12, available: 12 }],
      listed: { channel: 'cmd-web', quantity: 10 },
    });

    const live = cli(['tail', '--skus', SKU, '--count', '2']);
    // The snapshot is the first line; the adjustment below is the second.
    await new Promise((r) => setTimeout(r, 1000));
    await api('POST', `/v1/skus/${SKU}/adjust`, {
      location: 'CMD-MAN',
      delta: -1,
      reason: 'damaged',
    });
    const { code, out } = await live;
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\S+ ${SKU} seq=1 CMD-MAN onHand=12 available=12$`));
    expect(lines[1]).toMatch(new RegExp(`^\\S+ ${SKU} seq=2 CMD-MAN onHand=11 available=11$`));
  });

  it('reconciles the ledger and exits 0 without drift', async () => {
    const { code, out } = await cli(['reconcile', '--skus', SKU]);
    expect(code).toBe(0);
    expect(out).toMatch(/^1 SKUs checked: lag [01] SKUs \(\d+ events\), drift 0 SKUs\n$/);
  });

  it('lists channels with their sync status', async () => {
    const { code, out } = await cli(['channels']);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^channel\s+kind\s+locations\s+sync\s+queue\s+lag\s+pushes\/s\s+last error\n/,
    );
    expect(out).toMatch(/\ncmd-web\s+storefront\s+CMD-MAN\s+not connected\s+-\s+-\s+-\s+-\n/);
  });
});

describe('stockmesh keys and imports', () => {
  it('creates, lists and revokes a key; a revoked key exits 3', async () => {
    const created = await cli(['keys', 'create', '--name', 'cli viewer', '--role', 'viewer']);
    expect(created.code).toBe(0);
    const [id, secret] = created.out.trim().split(' ');
    expect(id).toMatch(/^key_[0-9a-f]{16}$/);
    expect((await cli(['stock', SKU], secret)).code).toBe(0);
    const list = await cli(['keys', 'list']);
    expect(list.out).toMatch(
      new RegExp(`\\n${id}\\s+cli viewer\\s+viewer\\s+-\\s+\\S+\\s+active\\n`),
    );
    expect(await cli(['keys', 'revoke', id ?? ''])).toMatchObject({
      code: 0,
      out: expect.stringMatching(new RegExp(`^${id} revoked `)),
    });
    expect((await cli(['stock', SKU], secret)).code).toBe(3);
    expect((await cli(['keys', 'create', '--name', 'x', '--role', 'root'])).code).toBe(2);
  });

  it('imports SKUs all or nothing, naming every bad line (exit 1)', async () => {
    const file = join(dir, 'bad-skus.csv');
    await writeFile(file, 'code,title,gtin\nCMD-OK,Fine,\nCMD-BAD,Bad,123\n');
    const { code, out, err } = await cli(['import', 'skus', file]);
    expect({ code, out }).toEqual({ code: 1, out: '' });
    expect(err).toMatch(/^stockmesh: .*bad-skus\.csv not imported: /);
    expect(err).toContain('\n  line 3: ');
    expect((await cli(['stock', 'CMD-OK'])).code).toBe(1);
  });

  it("imports a channel's mappings", async () => {
    await api('PUT', '/v1/channels/cmd-web/connection', {
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:9/hook' },
      credentials: {
        secret: `whsec_${Buffer.from('0123456789abcdef01234567').toString('base64')}`,
      },
      paused: true,
    });
    const file = join(dir, 'mappings.csv');
    await writeFile(file, `sku,code\n${SKU},EXT-MUG\n`);
    expect(await cli(['import', 'mappings', file, '--channel', 'cmd-web'])).toEqual({
      code: 0,
      out: '1 lines: 1 created, 0 updated\n',
      err: '',
    });
    expect(await cli(['import', 'mappings', file, '--channel', 'cmd-none'])).toMatchObject({
      code: 1,
    });
  });
});
