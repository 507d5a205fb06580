// The media library: streamed uploads typed by their bytes, probes, thumbnails,
// deduplication, quota and size caps, listing, serving with Range, deleting.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ROOT } from '../lib/harness.mjs';
import { signup, createWorkspace, addMember } from '../lib/api.mjs';

const FIX = join(ROOT, 'tests', 'fixtures');
const fixture = (name) => readFileSync(join(FIX, name));

let srv;
let owner;
let ws;

before(async () => {
  srv = await startServer();
  owner = await signup(srv, { name: 'Owner' });
  ws = await createWorkspace(owner, 'Media');
});
after(async () => {
  await srv.stop();
});

/** Upload bytes as the raw body, with a declared type and a name. */
async function upload(client, wsId, bytes, type, name) {
  const q = name ? `?name=${encodeURIComponent(name)}` : '';
  const headers = {};
  if (type) headers['Content-Type'] = type;
  return client.call('POST', `/api/v1/workspaces/${wsId}/media${q}`, bytes, { headers });
}

describe('uploads', () => {
  test('a JPEG is probed, thumbnailed and stored', async () => {
    const r = await upload(owner, ws, fixture('photo-320x240.jpg'), 'image/jpeg', 'Launch photo.jpg');
    assert.equal(r.status, 201, r.text);
    const m = r.json.media;
    assert.equal(r.json.duplicate, false);
    assert.equal(m.kind, 'image');
    assert.equal(m.mime, 'image/jpeg');
    assert.equal(m.width, 320);
    assert.equal(m.height, 240);
    assert.equal(m.name, 'Launch photo.jpg');
    assert.equal(m.size, fixture('photo-320x240.jpg').length);
    assert.match(m.sha256, /^[0-9a-f]{64}$/);
    assert.ok(m.thumbnail_url);
  });

  test('the same file again is the same item', async () => {
    const first = (await owner.get(`/api/v1/workspaces/${ws}/media?kind=image`)).json.items[0];
    const r = await upload(owner, ws, fixture('photo-320x240.jpg'), 'image/jpeg', 'again.jpg');
    assert.equal(r.status, 200);
    assert.equal(r.json.duplicate, true);
    assert.equal(r.json.media.id, first.id);
  });

  test('a video is probed: size, duration, frame rate, codecs', async () => {
    const r = await upload(owner, ws, fixture('clip-160x90.mp4'), 'video/mp4', 'clip.mp4');
    assert.equal(r.status, 201, r.text);
    const m = r.json.media;
    assert.equal(m.kind, 'video');
    assert.equal(m.mime, 'video/mp4');
    assert.equal(m.width, 160);
    assert.equal(m.height, 90);
    assert.ok(Math.abs(m.duration_s - 2) < 0.2, `duration ${m.duration_s}`);
    assert.ok(Math.abs(m.fps - 25) < 0.5, `fps ${m.fps}`);
    assert.equal(m.video_codec, 'h264');
    assert.ok(m.thumbnail_url, 'a poster frame');
  });

  test('the type comes from the bytes: lies, junk and broken files are refused', async () => {
    const cases = [
      [fixture('portrait-200x250.png'), 'image/jpeg'],
      [fixture('not-an-image.txt'), 'image/jpeg'],
      [fixture('truncated.jpg'), 'image/jpeg'],
      [fixture('clip-160x90.mp4'), 'image/png'],
      [Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'), 'image/png'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'), 'image/svg+xml'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/jpeg'],
      [Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<script>alert(1)</script>')]), 'image/jpeg'],
    ];
    const before = (await owner.get(`/api/v1/workspaces/${ws}/media`)).json.items.length;
    for (const [bytes, type] of cases) {
      const r = await upload(owner, ws, bytes, type, 'x');
      assert.equal(r.status, 400, `${type}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_file');
      assert.equal(r.json.error.field, 'file');
      assert.ok(r.json.error.message.length > 10);
    }
    const empty = await upload(owner, ws, Buffer.alloc(0), 'image/png', 'x');
    assert.equal(empty.status, 400);
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/media`)).json.items.length, before);
    assert.deepEqual(readdirSync(join(srv.dataDir, 'tmp')).filter((f) => f.startsWith('upload-')), [], 'no staging files left');
  });

  test('a path in the file name is only a name', async () => {
    const r = await upload(owner, ws, fixture('clip-90x160.mp4'), 'video/mp4', '../../etc/passwd');
    assert.equal(r.status, 201, r.text);
    assert.ok(!r.json.media.name.includes('/'), r.json.media.name);
    const f = await fetch(srv.url + r.json.media.url, { headers: { Cookie: `p2s_session=${owner.cookie}` } });
    assert.match(f.headers.get('content-disposition'), /^inline; filename="[A-Za-z0-9._-]+"$/);
    await f.arrayBuffer();
  });

  test('a PNG declared as octet-stream is fine: the bytes decide', async () => {
    const r = await upload(owner, ws, fixture('portrait-200x250.png'), 'application/octet-stream', 'portrait');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.media.mime, 'image/png');
    assert.equal(r.json.media.height, 250);
  });

  test('viewers cannot upload; other workspaces do not exist', async () => {
    const v = await signup(srv);
    await addMember(owner, ws, v, 'viewer');
    assert.equal((await upload(v, ws, fixture('portrait-200x250.png'), 'image/png', 'v')).status, 403);
    const stranger = await signup(srv);
    assert.equal((await upload(stranger, ws, fixture('portrait-200x250.png'), 'image/png', 's')).status, 404);
    assert.equal((await v.get(`/api/v1/workspaces/${ws}/media`)).status, 200, 'but viewers may look');
  });
});

describe('library', () => {
  test('list newest first, filter by kind, page', async () => {
    const all = (await owner.get(`/api/v1/workspaces/${ws}/media`)).json;
    assert.ok(all.items.length >= 3);
    const ids = all.items.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.ok(all.usage.bytes > 0);
    const videos = (await owner.get(`/api/v1/workspaces/${ws}/media?kind=video`)).json.items;
    assert.ok(videos.every((m) => m.kind === 'video'));
    const p1 = (await owner.get(`/api/v1/workspaces/${ws}/media?limit=1`)).json;
    assert.equal(p1.items.length, 1);
    const p2 = (await owner.get(`/api/v1/workspaces/${ws}/media?limit=1&before=${p1.next_before}`)).json;
    assert.notEqual(p2.items[0].id, p1.items[0].id);
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/media?kind=audio`)).json.error.field, 'kind');
  });

  test('files are served to members with Range, nosniff and a safe disposition', async () => {
    const img = (await owner.get(`/api/v1/workspaces/${ws}/media?kind=image`)).json.items.find((m) => m.mime === 'image/jpeg');
    const whole = await fetch(srv.url + img.url, { headers: { Cookie: `p2s_session=${owner.cookie}` } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'image/jpeg');
    assert.equal(whole.headers.get('x-content-type-options'), 'nosniff');
    assert.match(whole.headers.get('content-disposition'), /^inline; filename="[A-Za-z0-9._-]+"$/);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), fixture('photo-320x240.jpg'));
    const part = await fetch(srv.url + img.url, { headers: { Cookie: `p2s_session=${owner.cookie}`, Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${img.size}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), fixture('photo-320x240.jpg').subarray(100, 200));
    const tail = await fetch(srv.url + img.url, { headers: { Cookie: `p2s_session=${owner.cookie}`, Range: 'bytes=-10' } });
    assert.equal(tail.status, 206);
    assert.equal((await tail.arrayBuffer()).byteLength, 10);
    const bad = await fetch(srv.url + img.url, { headers: { Cookie: `p2s_session=${owner.cookie}`, Range: `bytes=${img.size + 5}-` } });
    assert.equal(bad.status, 416);
    const thumb = await fetch(srv.url + img.thumbnail_url, { headers: { Cookie: `p2s_session=${owner.cookie}` } });
    assert.equal(thumb.status, 200);
    const tb = Buffer.from(await thumb.arrayBuffer());
    assert.equal(tb[0], 0xff);
    assert.equal(tb[1], 0xd8);
    assert.equal((await fetch(srv.url + img.url)).status, 401, 'not without signing in');
  });

  test('rename, alt text, delete', async () => {
    const img = (await owner.get(`/api/v1/workspaces/${ws}/media?kind=image`)).json.items[0];
    const p = await owner.patch(`/api/v1/workspaces/${ws}/media/${img.id}`, { name: 'Renamed', alt_text: 'A test card with colour bars' });
    assert.equal(p.status, 200);
    assert.equal(p.json.media.name, 'Renamed');
    assert.equal(p.json.media.alt_text, 'A test card with colour bars');
    assert.equal((await owner.patch(`/api/v1/workspaces/${ws}/media/${img.id}`, { alt_text: 'x'.repeat(1001) })).json.error.field, 'alt_text');
    const stored = () => readdirSync(join(srv.dataDir, 'media'), { recursive: true }).filter((f) => !String(f).endsWith('/') && existsSync(join(srv.dataDir, 'media', String(f))) && String(f).includes('.')).length;
    const before = stored();
    assert.equal((await owner.del(`/api/v1/workspaces/${ws}/media/${img.id}`)).status, 204);
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/media/${img.id}`)).status, 404);
    assert.ok(stored() < before, 'the file and its thumbnail are gone from storage');
  });
});

describe('limits', () => {
  test('a file over the size cap is refused before it is stored', async () => {
    const s = await startServer({ env: { P2S_MEDIA_MAX_MB: '1' } });
    try {
      const o = await signup(s);
      const w = await createWorkspace(o);
      // Declared too big: answered from the headers alone, before any byte of the body.
      const answer = await new Promise((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1', () => {
          sock.write(
            `POST /api/v1/workspaces/${w}/media HTTP/1.1\r\nHost: x\r\nCookie: p2s_session=${o.cookie}\r\n` +
              `X-CSRF-Token: ${o.csrf}\r\nContent-Type: image/jpeg\r\nContent-Length: ${3 * 1024 * 1024}\r\n\r\n`,
          );
        });
        let data = '';
        sock.on('data', (d) => {
          data += d;
          if (data.includes('}}')) {
            sock.destroy();
            resolve(data);
          }
        });
        sock.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /"code":"payload_too_large"/);
      // Sent without a length (chunked): cut off once over the cap, nothing kept.
      const chunked = await new Promise((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1', () => {
          sock.write(
            `POST /api/v1/workspaces/${w}/media HTTP/1.1\r\nHost: x\r\nCookie: p2s_session=${o.cookie}\r\n` +
              `X-CSRF-Token: ${o.csrf}\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n`,
          );
          const chunk = Buffer.alloc(256 * 1024);
          for (let i = 0; i < 6; i++) sock.write(`${chunk.length.toString(16)}\r\n`), sock.write(chunk), sock.write('\r\n');
          sock.write('0\r\n\r\n');
        });
        let data = '';
        sock.on('data', (d) => {
          data += d;
          if (data.includes('}}')) {
            sock.destroy();
            resolve(data);
          }
        });
        sock.on('error', reject);
      });
      assert.match(chunked, /^HTTP\/1\.1 413 /);
      assert.deepEqual(readdirSync(join(s.dataDir, 'tmp')).filter((f) => f.startsWith('upload-')), []);
      assert.equal((await o.get(`/api/v1/workspaces/${w}/media`)).json.items.length, 0);
    } finally {
      await s.stop();
    }
  });

  test('the workspace quota is kept', async () => {
    const s = await startServer({ env: { P2S_MEDIA_QUOTA_MB: '1' } });
    try {
      const o = await signup(s);
      const w = await createWorkspace(o);
      // fill most of the quota with one accepted video, then go over it
      const filler = Buffer.concat([fixture('clip-160x90.mp4')]);
      assert.equal((await upload(o, w, filler, 'video/mp4', 'a')).status, 201);
      const r = await upload(o, w, Buffer.concat([fixture('photo-320x240.jpg'), Buffer.alloc(1024 * 1024)]), 'image/jpeg', 'b');
      assert.equal(r.status, 413);
      assert.equal(r.json.error.code, 'quota_exceeded');
    } finally {
      await s.stop();
    }
  });

  test('an interrupted upload leaves nothing behind', async () => {
    const body = fixture('clip-160x90.mp4');
    await new Promise((resolve) => {
      const sock = net.connect(srv.port, '127.0.0.1', () => {
        sock.write(
          `POST /api/v1/workspaces/${ws}/media HTTP/1.1\r\nHost: x\r\nCookie: p2s_session=${owner.cookie}\r\n` +
            `X-CSRF-Token: ${owner.csrf}\r\nContent-Type: video/mp4\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        sock.write(body.subarray(0, 5000));
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 300);
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(readdirSync(join(srv.dataDir, 'tmp')).filter((f) => f.startsWith('upload-')), []);
  });
});

describe('platform fit', () => {
  test('each item says which targets it fits, with problems and warnings in words', async () => {
    const fitOf = async (name, type) => {
      const r = await upload(owner, ws, fixture(name), type, name);
      assert.ok(r.status === 201 || r.status === 200, r.text);
      const got = await owner.get(`/api/v1/workspaces/${ws}/media/${r.json.media.id}`);
      assert.deepEqual(got.json.media.fit, r.json.media.fit, 'the same on reading');
      return r.json.media.fit;
    };
    // 160x90, 2 s, H.264 + AAC MP4: horizontal and short
    const wide = await fitOf('clip-160x90.mp4', 'video/mp4');
    assert.equal(wide.x_video.ok, true, JSON.stringify(wide.x_video));
    assert.equal(wide.youtube_video.ok, true);
    assert.equal(wide.youtube_short.ok, false);
    assert.match(wide.youtube_short.problems.join(' '), /horizontal/);
    assert.match(wide.instagram_reel.warnings.join(' '), /9:16/);
    assert.equal(wide.x_image, undefined, 'image targets are not listed for a video');
    assert.equal(wide.facebook_photo, undefined);
    // 90x160: vertical, a Short
    const tall = await fitOf('clip-90x160.mp4', 'video/mp4');
    assert.equal(tall.youtube_short.ok, true, JSON.stringify(tall.youtube_short));
    assert.deepEqual(tall.youtube_short.problems, []);
    // 320x240 JPEG
    const jpeg = await fitOf('photo-320x240.jpg', 'image/jpeg');
    assert.equal(jpeg.x_image.ok, true);
    assert.equal(jpeg.facebook_photo.ok, true);
    assert.equal(jpeg.x_video, undefined, 'video targets are not listed for an image');
    // 200x250 PNG (4:5): Instagram takes only JPEG (see src/media/fit.c), and it is narrow
    const png = await fitOf('portrait-200x250.png', 'image/png');
    assert.equal(png.instagram_image.ok, false);
    assert.match(png.instagram_image.problems.join(' '), /JPEG/);
    assert.doesNotMatch(png.instagram_image.problems.join(' '), /too (tall|wide)/, '4:5 is allowed');
    assert.match(png.instagram_image.warnings.join(' '), /320/);
    assert.equal(png.facebook_photo.ok, true);
  });
});
