// The simulator's AI module: OpenAI-compatible chat completions (captions) and
// Seedream 4.5 image generation on BytePlus/Volcengine Ark (PLATFORMS.md sections 6 and 7).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simFetch } from '../lib/sim.mjs';

const OPENAI_KEY = 'sim-openai-key';
const ARK_KEY = 'sim-ark-key';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

const chat = (body, key = OPENAI_KEY, base = '/openai/v1') =>
  simFetch(sim, 'POST', `${base}/chat/completions`, {
    headers: key ? { Authorization: `Bearer ${key}` } : {},
    json: body,
  });
const generate = (body, key = ARK_KEY) =>
  simFetch(sim, 'POST', '/ark/api/v3/images/generations', {
    headers: key ? { Authorization: `Bearer ${key}` } : {},
    json: body,
  });

const PROMPT = [
  { role: 'system', content: 'You write short social media captions.' },
  {
    role: 'user',
    content: 'Write a caption about our new coffee blend launching in Berlin this weekend',
  },
];

/** Check PNG bytes: signature, IHDR first; returns { width, height }. */
function pngSize(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(buf.readUInt32BE(8), 13);
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.equal(buf.subarray(-8, -4).toString('latin1'), 'IEND');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

// ---- chat completions ----

test('chat: OpenAI shape, deterministic caption with hashtags, consistent usage', async () => {
  const body = {
    model: 'gpt-4o-mini',
    messages: PROMPT,
    temperature: 0.7,
    max_tokens: 300,
    n: 1,
    stream: false,
  };
  const a = await chat(body);
  assert.equal(a.status, 200, a.text);
  assert.match(a.json.id, /^chatcmpl-/);
  assert.equal(a.json.object, 'chat.completion');
  assert.equal(a.json.model, 'gpt-4o-mini');
  assert.equal(typeof a.json.created, 'number');
  assert.equal(a.json.choices.length, 1);
  const [c] = a.json.choices;
  assert.equal(c.index, 0);
  assert.equal(c.message.role, 'assistant');
  assert.equal(c.finish_reason, 'stop');
  const text = c.message.content;
  assert.match(text, /coffee/);
  assert.match(text, /berlin/i);
  const tags = text.match(/#\S+/g);
  assert.ok(tags.length >= 2 && tags.length <= 3, text);
  const words = text.split(/\s+/).filter(Boolean).length;
  assert.equal(a.json.usage.completion_tokens, words);
  assert.ok(a.json.usage.prompt_tokens > 0);
  const { prompt_tokens, completion_tokens, total_tokens } = a.json.usage;
  assert.equal(total_tokens, prompt_tokens + completion_tokens);

  const b = await chat(body);
  assert.equal(b.json.choices[0].message.content, text);
  assert.deepEqual(b.json.usage, a.json.usage);
  const other = await chat({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Spring garden tulips festival' }],
  });
  assert.notEqual(other.json.choices[0].message.content, text);
});

test('max_tokens cuts the answer with finish_reason "length"', async () => {
  const r = await chat({ model: 'gpt-4o-mini', messages: PROMPT, max_tokens: 3 });
  assert.equal(r.status, 200);
  const text = r.json.choices[0].message.content;
  assert.equal(text.split(/\s+/).filter(Boolean).length, 3);
  assert.equal(r.json.choices[0].finish_reason, 'length');
  assert.equal(r.json.usage.completion_tokens, 3);
  const full = await chat({ model: 'gpt-4o-mini', messages: PROMPT });
  assert.ok(full.json.choices[0].message.content.startsWith(text));
});

test('content parts are read like plain text', async () => {
  const r = await chat({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Mountain hiking trails guide' }] }],
  });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.choices[0].message.content, /mountain/);
});

test('chat refusals name the parameter', async () => {
  const cases = [
    [{ messages: PROMPT }, 'model'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0]'],
    [{ model: 'm', messages: [{ role: 'user', content: '' }] }, 'messages[0]'],
    [{ model: 'm', messages: [{ role: 'user' }] }, 'messages[0]'],
    [{ model: 'm', messages: PROMPT, stream: true }, 'stream'],
    [{ model: 'm', messages: PROMPT, n: 2 }, 'n'],
    [{ model: 'm', messages: PROMPT, max_tokens: 0 }, 'max_tokens'],
    [{ model: 'm', messages: PROMPT, temperature: 3 }, 'temperature'],
    [{ model: 'm', messages: PROMPT, colour: 'red' }, 'colour'],
  ];
  for (const [body, param] of cases) {
    const r = await chat(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.equal(r.json.error.param, param);
    assert.ok(r.json.error.message);
  }
  const notJson = await simFetch(sim, 'POST', '/openai/v1/chat/completions', {
    headers: { Authorization: `Bearer ${OPENAI_KEY}`, 'Content-Type': 'application/json' },
    body: '{nope',
  });
  assert.equal(notJson.status, 400);
});

test('bad or missing API key: 401 in the OpenAI and Ark envelopes', async () => {
  const bad = await chat({ model: 'm', messages: PROMPT }, 'sk-wrong-key-123456');
  assert.equal(bad.status, 401);
  assert.deepEqual(Object.keys(bad.json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(bad.json.error.type, 'invalid_request_error');
  assert.equal(bad.json.error.code, 'invalid_api_key');
  assert.equal(bad.json.error.param, null);
  assert.ok(!bad.json.error.message.includes('wrong-key-12'));
  const none = await chat({ model: 'm', messages: PROMPT }, null);
  assert.equal(none.status, 401);

  const ark = await generate({ model: 'seedream-4-5-251128', prompt: 'a cat' }, 'nope');
  assert.equal(ark.status, 401);
  assert.equal(ark.json.error.code, 'AuthenticationError');
  assert.ok(ark.json.error.message);
  const arkChat = await chat({ model: 'm', messages: PROMPT }, 'nope', '/ark/api/v3');
  assert.equal(arkChat.status, 401);
  assert.equal(arkChat.json.error.code, 'AuthenticationError');
});

test('keys come from SIM_AI_KEYS', async () => {
  const own = await startSim({ env: { SIM_AI_KEYS: 'k-one, k-two' } });
  try {
    const call = (key) =>
      simFetch(own, 'POST', '/openai/v1/chat/completions', {
        headers: { Authorization: `Bearer ${key}` },
        json: { model: 'm', messages: PROMPT },
      });
    assert.equal((await call('k-two')).status, 200);
    assert.equal((await call(OPENAI_KEY)).status, 401);
  } finally {
    await own.stop();
  }
});

test('Ark chat completions answer the same shape; errors in the Ark envelope', async () => {
  const r = await chat({ model: 'doubao-seed-1-6', messages: PROMPT }, ARK_KEY, '/ark/api/v3');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.object, 'chat.completion');
  assert.match(r.json.choices[0].message.content, /coffee/);
  const bad = await chat({ model: 'x', messages: PROMPT, stream: true }, ARK_KEY, '/ark/api/v3');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'InvalidParameter');
  assert.equal(bad.json.error.param, 'stream');
});

test('unknown paths answer 404 in each host envelope', async () => {
  const auth = (key) => ({ headers: { Authorization: `Bearer ${key}` } });
  const o = await simFetch(sim, 'GET', '/openai/v1/nothing', auth(OPENAI_KEY));
  assert.equal(o.status, 404);
  assert.equal(o.json.error.type, 'invalid_request_error');
  const a = await simFetch(sim, 'GET', '/ark/api/v3/nothing', auth(ARK_KEY));
  assert.equal(a.status, 404);
  assert.ok(a.json.error.code);
});

// ---- Seedream 4.5 ----

test('Seedream url: a real PNG served by the simulator; size and usage as requested', async () => {
  const r = await generate({
    model: 'seedream-4-5-251128',
    prompt: 'A red fox in fresh snow at dawn',
    size: '2K',
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.model, 'seedream-4-5-251128');
  assert.equal(typeof r.json.created, 'number');
  assert.equal(r.json.data.length, 1);
  assert.equal(r.json.data[0].size, '2048x2048');
  assert.deepEqual(r.json.usage, {
    generated_images: 1,
    output_tokens: 16384,
    total_tokens: 16384,
  });
  const img = await fetch(r.json.data[0].url);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/png');
  const size = pngSize(Buffer.from(await img.arrayBuffer()));
  assert.deepEqual(size, { width: 256, height: 256 }); // rendered small, reported as asked
});

test('Seedream b64_json: WxH with the aspect kept; deterministic per prompt', async () => {
  const body = {
    model: 'doubao-seedream-4-5-251128',
    prompt: 'City skyline at night, neon reflections',
    size: '2560x1440',
    response_format: 'b64_json',
    watermark: false,
  };
  const r = await generate(body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data[0].url, undefined);
  assert.equal(r.json.data[0].size, '2560x1440');
  assert.equal(r.json.usage.output_tokens, (2560 * 1440) / 256);
  const png = Buffer.from(r.json.data[0].b64_json, 'base64');
  assert.deepEqual(pngSize(png), { width: 256, height: 144 });
  const again = await generate(body);
  assert.equal(again.json.data[0].b64_json, r.json.data[0].b64_json);
  const other = await generate({ ...body, prompt: 'A quiet lake in autumn' });
  assert.notEqual(other.json.data[0].b64_json, r.json.data[0].b64_json);
});

test('Seedream 2K picks the preset named in the prompt; 4K; endpoint ids', async () => {
  const wide = await generate({ model: 'ep-20250101-abc', prompt: 'Beach, 16:9', size: '2K' });
  assert.equal(wide.status, 200, wide.text);
  assert.equal(wide.json.data[0].size, '2848x1600');
  const four = await generate({ model: 'seedream-4-5-251128', prompt: 'A poster', size: '4K' });
  assert.equal(four.json.data[0].size, '4096x4096');
  assert.equal(four.json.usage.output_tokens, 65536);
  const dflt = await generate({ model: 'seedream-4-5-251128', prompt: 'default size' });
  assert.equal(dflt.json.data[0].size, '2048x2048');
});

test('Seedream group generation with sequential_image_generation=auto', async () => {
  const r = await generate({
    model: 'seedream-4-5-251128',
    prompt: 'A comic strip of a cat learning to cook',
    sequential_image_generation: 'auto',
    sequential_image_generation_options: { max_images: 3 },
    response_format: 'b64_json',
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 3);
  assert.equal(r.json.usage.generated_images, 3);
  assert.equal(r.json.usage.output_tokens, 3 * 16384);
  assert.equal(new Set(r.json.data.map((d) => d.b64_json)).size, 3);
  for (const d of r.json.data) pngSize(Buffer.from(d.b64_json, 'base64'));
});

test('Seedream refusals: size bounds and aspect, model, prompt, formats', async () => {
  const base = { model: 'seedream-4-5-251128', prompt: 'a lighthouse' };
  for (const size of ['1024x1024', '4097x4096', '17000x980', '2048*2048', '3K', 'big', '2048x']) {
    const r = await generate({ ...base, size });
    assert.equal(r.status, 400, size);
    assert.equal(r.json.error.code, 'InvalidParameter', size);
    assert.match(r.json.error.message, /size/, size);
  }
  for (const size of ['2560x1440', '4096x4096', '16000x1000', '1440x2560']) {
    assert.equal((await generate({ ...base, size })).status, 200, size);
  }
  const model = await generate({ ...base, model: 'seedream-3-0' });
  assert.equal(model.status, 404);
  assert.equal(model.json.error.code, 'InvalidEndpointOrModel.NotFound');
  assert.equal((await generate({ model: 'seedream-4-5-251128' })).status, 400);
  assert.equal((await generate({ ...base, prompt: 'word '.repeat(601) })).status, 400);
  assert.equal((await generate({ ...base, prompt: 'word '.repeat(600) })).status, 200);
  assert.equal((await generate({ ...base, response_format: 'png' })).status, 400);
  assert.equal((await generate({ ...base, sequential_image_generation: 'always' })).status, 400);
  const group = (max_images) =>
    generate({
      ...base,
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images },
    });
  assert.equal((await group(16)).status, 400);
  assert.equal((await group(0)).status, 400);
  assert.equal((await generate({ ...base, seed: 42 })).status, 400);
  assert.equal((await generate({ ...base, watermark: 'yes' })).status, 400);
  assert.equal((await generate({ ...base, image: 'ftp://example.com/a.png' })).status, 400);
  assert.equal((await generate({ ...base, image: ['https://example.com/a.png'] })).status, 200);
});
