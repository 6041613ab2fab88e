// HPACK through the installed npm package: hpack-test-case stories (other
// encoders' wire bytes with their headers), the RFC 7541 Appendix C
// examples, and encode → decode round trips.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, importInstalled, installPackedPackage } from './support/package.mjs';

let project;
let h2lens;

before(async () => {
  project = installPackedPackage('h2lens-hpack-');
  h2lens = await importInstalled(project.dir);
});

after(() => project?.cleanup());

const storyDir = join(fixturesDir, 'hpack-test-case');
const stories = (folder) =>
  readdirSync(join(storyDir, folder))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${folder}/${f}`, story: JSON.parse(readFileSync(join(storyDir, folder, f), 'utf8')) }));

/** A story's `{name: value}` objects as `[name, value]` pairs. */
const storyHeaders = (list) => list.map((h) => Object.entries(h)[0]);

test('hpack-test-case: every story of four encoders decodes to its exact headers, one decoder per story', () => {
  let blocks = 0;
  for (const folder of ['nghttp2', 'go-hpack', 'python-hpack', 'nghttp2-16384-4096']) {
    for (const { file, story } of stories(folder)) {
      const decoder = new h2lens.HpackDecoder();
      story.cases.forEach((c, i) => {
        if (c.header_table_size !== undefined) {
          assert.equal(decoder.setSettingsTableSize(c.header_table_size), null);
        }
        const block = decoder.decode(c.wire);
        assert.equal(block.error, undefined, `${file} case ${i}: ${JSON.stringify(block.error)}`);
        assert.deepEqual(
          block.fields.map((f) => [f.name, f.value]),
          storyHeaders(c.headers),
          `${file} case ${i}`,
        );
        blocks++;
      });
      assert.equal(decoder.blocksDecoded, story.cases.length);
      decoder.free();
    }
  }
  assert.ok(blocks > 3000, `only ${blocks} blocks`);
});

test('RFC 7541 C.3 and C.4: fields, and the dynamic table the RFC lists after the third request', () => {
  // C.3 (no Huffman) and C.4 (Huffman) encode the same three requests.
  const examples = {
    'C.3': ['828684410f7777772e6578616d706c652e636f6d', '828684be58086e6f2d6361636865', '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565'],
    'C.4': ['828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf', '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf'],
  };
  const requests = [
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
    [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
  ];
  for (const [name, wires] of Object.entries(examples)) {
    const decoder = new h2lens.HpackDecoder();
    wires.forEach((wire, i) => {
      const block = decoder.decode(wire);
      assert.deepEqual(block.fields.map((f) => [f.name, f.value]), requests[i], `${name} request ${i + 1}`);
    });
    const table = decoder.table();
    assert.deepEqual(
      table.entries.map((e) => [e.index, e.name, e.value, e.size]),
      [
        [62, 'custom-key', 'custom-value', 54],
        [63, 'cache-control', 'no-cache', 53],
        [64, ':authority', 'www.example.com', 57],
      ],
      name,
    );
    assert.equal(table.summary.size, 164, `${name}: table size`);
    decoder.free();
  }
  // The first block alone, with the explanation: `:authority` is a literal
  // with incremental indexing and an indexed name (static index 1).
  const block = h2lens.hpackDecode('828684410f7777772e6578616d706c652e636f6d');
  assert.deepEqual(block.fields[3].repr, 'incremental_indexing');
  assert.deepEqual(block.fields[3].index, { index: 1, table: 'static' });
  assert.equal(block.fields[3].value_huffman, false);
  assert.deepEqual(block.table_events, [{ kind: 'inserted', entry: 1, field: 3, size: 57 }]);
  // Bytes and hex (with whitespace) are the same input.
  assert.deepEqual(h2lens.hpackDecode(Uint8Array.from(Buffer.from('8286', 'hex'))), h2lens.hpackDecode('82 86'));
});

test('an index past the table is an error with its offset, not a throw; the decoder goes on', () => {
  const block = h2lens.hpackDecode('82be86');
  assert.deepEqual(block.fields.map((f) => f.name), [':method']);
  assert.equal(block.error.kind, 'index_beyond_table');
  assert.equal(block.error.offset, 1);
  assert.equal(block.error.index, 62);
  assert.deepEqual(block.table_state, { state: 'synced' });
  // A decoder that saw the entry evicted explains what the index pointed at.
  const decoder = new h2lens.HpackDecoder({ tableSize: 64 });
  decoder.decode(h2lens.hpackEncode([['x-a', 'one']], { tableSize: 64, huffman: 'never' }));
  decoder.decode(h2lens.hpackEncode([['x-b', 'two']], { tableSize: 64, huffman: 'never' }));
  const stale = decoder.decode('bf'); // 63: gone, evicted by x-b
  assert.equal(stale.error.kind, 'index_beyond_table');
  assert.deepEqual([stale.error.was.name, stale.error.was.value], ['x-a', 'one']);
  decoder.free();
});

test('hpackEncode → hpackDecode: every policy round-trips, and the representation follows the options', () => {
  const headers = [
    [':method', 'POST'],
    [':path', '/payments.v1.Payments/GetPayment'],
    ['actorscopes', 'api'],
    ['actorscopes', 'actor1'],
    ['actorscopes', 'actor2'],
    ['authorization', 'Bearer secret'],
    ['x-bin', { hex: '00ff807f' }],
    { name: 'x-sensitive', value: 'v', sensitive: true },
  ];
  const expected = headers.map((h) => (Array.isArray(h) ? h : [h.name, h.value])).map(([n, v]) => [n, typeof v === 'string' ? v : v.hex]);
  const asHex = (o) => (typeof o === 'string' ? o : o.hex);
  for (const huffman of ['always', 'never', 'shorter']) {
    for (const indexing of ['incremental', 'without', 'never']) {
      const bytes = h2lens.hpackEncode(headers, { huffman, indexing });
      assert.ok(bytes instanceof Uint8Array);
      const block = h2lens.hpackDecode(bytes);
      assert.equal(block.error, undefined);
      const got = block.fields.map((f) => [f.name, f.name === 'x-bin' ? asHex(f.value) : f.value]);
      assert.deepEqual(got, expected, `${huffman}/${indexing}`);
      const repr = (name) => block.fields.find((f) => f.name === name).repr;
      assert.equal(repr('authorization'), 'never_indexed', 'sensitive by default');
      assert.equal(repr('x-sensitive'), 'never_indexed', 'sensitive: true');
      const literal = { incremental: 'incremental_indexing', without: 'without_indexing', never: 'never_indexed' }[indexing];
      assert.equal(repr('actorscopes'), literal, `${huffman}/${indexing}`);
      const huffed = block.fields.filter((f) => f.value_huffman !== undefined).map((f) => f.value_huffman);
      if (huffman === 'never') assert.ok(huffed.every((x) => x === false));
      if (huffman === 'always') assert.ok(huffed.every((x) => x === true));
    }
  }
  // sensitive: [] turns the default list off.
  const open = h2lens.hpackDecode(h2lens.hpackEncode([['authorization', 'x']], { sensitive: [] }));
  assert.equal(open.fields[0].repr, 'incremental_indexing');
});

test('HpackEncoder and HpackDecoder keep their tables in step across blocks, size updates included', () => {
  const encoder = new h2lens.HpackEncoder({ huffman: 'shorter' });
  const decoder = new h2lens.HpackDecoder();
  stories('raw-data')
    .slice(0, 6)
    .forEach(({ file, story }, k) => {
      // Shrink and grow the table along the way (within the decoder's 4096).
      const size = k % 2 === 0 ? 256 : 4096;
      story.cases.forEach((c, i) => {
        const list = storyHeaders(c.headers);
        if (i === 5) encoder.setTableSize(size);
        const block = decoder.decode(encoder.encode(list));
        assert.equal(block.error, undefined, `${file} case ${i}`);
        assert.deepEqual(block.fields.map((f) => [f.name, f.value]), list, `${file} case ${i}`);
        if (i === 5) {
          assert.ok(block.table_events.some((e) => e.kind === 'size_update' && e.max_size === size), `${file}: size update`);
          assert.equal(block.table.max_size, size);
        }
      });
    });
  assert.ok(decoder.table().summary.max_size <= 4096);
  encoder.free();
  decoder.free();
});

test('hpackDecode({ decoder }) shares that decoder’s table; misuse throws plain-words Errors', () => {
  const decoder = new h2lens.HpackDecoder();
  h2lens.hpackDecode('828684410f7777772e6578616d706c652e636f6d', { decoder });
  const second = h2lens.hpackDecode('828684be', { decoder });
  assert.deepEqual(second.fields[3], {
    name: ':authority',
    value: 'www.example.com',
    repr: 'indexed',
    index: { index: 62, table: 'dynamic', entry: 1, inserted_in_block: 0 },
    span: { start: 3, end: 4 },
  });
  const throws = (fn, re) => assert.throws(fn, (e) => e instanceof Error && re.test(e.message));
  throws(() => h2lens.hpackDecode('xyz'), /^hpackDecode: block is a string but not hex/);
  throws(() => h2lens.hpackDecode(42), /^hpackDecode: block must be a Uint8Array or a hex string, got number/);
  throws(() => h2lens.hpackDecode('82', { tableSize: -1 }), /^hpackDecode: invalid options: /);
  throws(() => h2lens.hpackDecode('82', { tabelSize: 1 }), /unknown field `tabelSize`/);
  throws(() => h2lens.hpackDecode('82', { decoder: {} }), /options.decoder must be an HpackDecoder/);
  throws(() => h2lens.hpackDecode('82', { decoder, tableSize: 1 }), /do not combine it with tableSize/);
  throws(() => h2lens.hpackEncode('x'), /^hpackEncode: headers must be an array, got string/);
  throws(() => h2lens.hpackEncode([[1, 2]]), /^hpackEncode: invalid headers: /);
  throws(() => h2lens.hpackEncode([['a']]), /^hpackEncode: invalid headers: /);
  throws(() => h2lens.hpackEncode([{ value: 'x' }]), /missing field `name`/);
  throws(() => h2lens.hpackEncode([], { huffman: 'sometimes' }), /unknown variant `sometimes`/);
  throws(() => decoder.setSettingsTableSize('4096'), /size must be an integer/);
  throws(() => new h2lens.HpackEncoder().setTableSize(), /size must be an integer/);
  // A table size above the configured maximum is capped and reported.
  const capped = new h2lens.HpackDecoder({ limits: { max_table_size: 1024 } });
  assert.equal(capped.setSettingsTableSize(65536).code, 'hpack.table_size_capped');
  capped.free();
  decoder.free();
});
