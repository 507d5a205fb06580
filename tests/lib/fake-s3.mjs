// A small fake of Amazon S3 for tests: object PUT, GET (with Range), HEAD and DELETE, in
// path-style (http://127.0.0.1:PORT/BUCKET/KEY) and virtual-hosted style
// (http://BUCKET.localhost:PORT/KEY), behind a real AWS Signature V4 check:
// the canonical request, the string to sign and the signing key are rebuilt from what
// arrived, and a request that does not match is refused the way S3 refuses it
// (403 SignatureDoesNotMatch with the string to sign and canonical request in the XML).
// x-amz-content-sha256 is required and must be the SHA-256 of the body that arrived
// (UNSIGNED-PAYLOAD is refused unless allowUnsignedPayload is set).
//
//   const s3 = await startFakeS3({ accessKey, secretKey, region });
//   s3.url  s3.objects (Map 'bucket/key' → { body, contentType, etag })  s3.requests
//   s3.faults.set('bucket/key', 'truncate' | 'status500' | 'ignore-range')
//   await s3.stop();
import { createServer } from 'node:http';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

const sha256hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** URI-encode the way Signature V4 wants: RFC 3986 unreserved kept, '/' kept on request. */
export function uriEncode(s, keepSlash = false) {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function decodeOr(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The canonical URI of a raw (as sent) path: each segment decoded, then encoded once. */
export function canonicalUri(rawPath) {
  if (rawPath === '' || rawPath === undefined) return '/';
  return rawPath
    .split('/')
    .map((seg) => uriEncode(decodeOr(seg)))
    .join('/');
}

/** The canonical query string of a raw query (without '?'). */
export function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEncode(decodeOr(k)), uriEncode(decodeOr(v))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * Headers as [name, value] pairs (node's rawHeaders, or an object's entries) →
 * Map lowercased name → canonical value (trimmed, inner spaces collapsed, repeats joined by ',').
 */
export function headerMap(pairs) {
  const m = new Map();
  for (const [name, value] of pairs) {
    const k = name.toLowerCase();
    const v = String(value).trim().replace(/\s+/g, ' ');
    m.set(k, m.has(k) ? `${m.get(k)},${v}` : v);
  }
  return m;
}

/**
 * Signature V4 of one request.  headers: Map from headerMap; signedHeaders: lowercase names.
 * Returns { canonicalRequest, stringToSign, signature, authorization }.
 */
export function signV4({
  method,
  rawPath,
  rawQuery = '',
  headers,
  signedHeaders,
  payloadHash,
  accessKey,
  secretKey,
  region,
  amzDate,
  service = 's3',
}) {
  const names = [...signedHeaders].map((n) => n.toLowerCase()).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers.get(n) ?? ''}\n`).join('');
  const signed = names.join(';');
  const canonicalRequest = [
    method,
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signed,
    payloadHash,
  ].join('\n');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const kDate = hmac('AWS4' + secretKey, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, ` +
    `SignedHeaders=${signed}, Signature=${signature}`;
  return { canonicalRequest, stringToSign, signature, authorization, signedHeaders: signed };
}

/** "20250102T030405Z" for a Date. */
export function amzDateOf(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

const XML_ENTITIES = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };
const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => XML_ENTITIES[c]);

class S3Error extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

// S3's wording of its refusals.
const MSG = {
  denied: 'Access Denied',
  malformed: 'The authorization header is malformed.',
  credential: 'The authorization header is malformed; the Credential is mal-formed.',
  keyId: 'The AWS Access Key Id you provided does not exist in our records.',
  noDate: 'AWS authentication requires a valid Date or x-amz-date header',
  credDate:
    'The authorization header is malformed; Invalid credential date. ' +
    'Date is not the same as X-Amz-Date.',
  skewed: 'The difference between the request time and the current time is too large.',
  noSha: 'Missing required header for this request: x-amz-content-sha256',
  unsigned:
    'This fake requires a signed payload: x-amz-content-sha256 must be the SHA-256 of the body',
  streaming: 'Chunked (streaming) signing is not implemented by this fake',
  badSha:
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
    'or a valid sha256 value.',
  notSigned: 'There were headers present in the request which were not signed: ',
  signature:
    'The request signature we calculated does not match the signature you provided. ' +
    'Check your key and signing method.',
  shaMismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  noLength: 'You must provide the Content-Length HTTP header.',
  tooLarge: 'Your proposed upload exceeds the maximum allowed size',
  noBucket: 'The specified bucket does not exist',
  noKey: 'The specified key does not exist.',
  internal: 'We encountered an internal error. Please try again.',
  range: 'The requested range is not satisfiable',
  method: 'The specified method is not allowed against this resource.',
};

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Start the fake.  Options: accessKey, secretKey, region ('us-east-1'), buckets (['p2s-test']),
 * allowUnsignedPayload (false), maxSkewSeconds (900), maxObjectBytes (64 MiB).
 */
export async function startFakeS3(opts = {}) {
  const accessKey = opts.accessKey ?? 'AKIAFAKES3TEST000001';
  const secretKey = opts.secretKey ?? 'fake/secret/key/for/tests/only/000000000';
  const region = opts.region ?? 'us-east-1';
  const buckets = new Set(opts.buckets ?? ['p2s-test']);
  const allowUnsigned = !!opts.allowUnsignedPayload;
  const maxSkew = (opts.maxSkewSeconds ?? 900) * 1000;
  const maxObject = opts.maxObjectBytes ?? 64 * 1024 * 1024;
  const objects = new Map();
  const requests = [];
  const faults = new Map();
  const pathHosts = new Set(['127.0.0.1', 'localhost']);

  /** Where the request points: { bucket, key, style, rawPath }. */
  function locate(req) {
    const [rawPath] = req.url.split('?');
    const hostname = (req.headers.host || '').replace(/:\d+$/, '').toLowerCase();
    if (!pathHosts.has(hostname) && hostname.endsWith('.localhost')) {
      const bucket = hostname.slice(0, -'.localhost'.length);
      return { bucket, key: decodeOr(rawPath.slice(1)), style: 'virtual', rawPath };
    }
    const rest = rawPath.slice(1);
    const i = rest.indexOf('/');
    const bucket = decodeOr(i < 0 ? rest : rest.slice(0, i));
    const key = i < 0 ? '' : decodeOr(rest.slice(i + 1));
    return { bucket, key, style: 'path', rawPath };
  }

  /** Check the Signature V4 of req (before its body).  Throws S3Error. */
  function authenticate(req, rawPath, rawQuery) {
    const auth = req.headers.authorization;
    if (!auth) throw new S3Error(403, 'AccessDenied', MSG.denied);
    const m = AUTH_RE.exec(auth);
    if (!m) throw new S3Error(400, 'AuthorizationHeaderMalformed', MSG.malformed);
    const [, credential, signedList, provided] = m;
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts[3] !== 's3') {
      throw new S3Error(400, 'AuthorizationHeaderMalformed', MSG.credential);
    }
    const [ak, date, credRegion] = parts;
    if (ak !== accessKey) {
      throw new S3Error(403, 'InvalidAccessKeyId', MSG.keyId, { AWSAccessKeyId: ak });
    }
    if (credRegion !== region) {
      const msg =
        `${MSG.malformed.slice(0, -1)}; ` +
        `the region '${credRegion}' is wrong; expecting '${region}'`;
      throw new S3Error(400, 'AuthorizationHeaderMalformed', msg, { Region: region });
    }
    const amzDate = req.headers['x-amz-date'];
    const when = parseAmzDate(amzDate);
    if (when === null) throw new S3Error(403, 'AccessDenied', MSG.noDate);
    if (amzDate.slice(0, 8) !== date) {
      throw new S3Error(400, 'AuthorizationHeaderMalformed', MSG.credDate);
    }
    if (Math.abs(Date.now() - when) > maxSkew) {
      throw new S3Error(403, 'RequestTimeTooSkewed', MSG.skewed, { RequestTime: amzDate });
    }
    const payloadHash = req.headers['x-amz-content-sha256'];
    if (payloadHash === undefined) throw new S3Error(400, 'InvalidRequest', MSG.noSha);
    if (payloadHash === 'UNSIGNED-PAYLOAD') {
      if (!allowUnsigned) throw new S3Error(400, 'InvalidRequest', MSG.unsigned);
    } else if (payloadHash.startsWith('STREAMING-')) {
      throw new S3Error(501, 'NotImplemented', MSG.streaming);
    } else if (!/^[0-9a-f]{64}$/.test(payloadHash)) {
      throw new S3Error(400, 'InvalidArgument', MSG.badSha);
    }
    const signed = signedList.split(';');
    const headers = headerMap(pairs(req.rawHeaders));
    for (const must of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
      if (!signed.includes(must)) throw new S3Error(403, 'AccessDenied', MSG.notSigned + must);
    }
    for (const name of headers.keys()) {
      if (name.startsWith('x-amz-') && !signed.includes(name)) {
        throw new S3Error(403, 'AccessDenied', MSG.notSigned + name);
      }
    }
    const expect = signV4({
      method: req.method,
      rawPath,
      rawQuery,
      headers,
      signedHeaders: signed,
      payloadHash,
      accessKey,
      secretKey,
      region,
      amzDate,
    });
    const a = Buffer.from(expect.signature, 'hex');
    const b = Buffer.from(provided, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new S3Error(403, 'SignatureDoesNotMatch', MSG.signature, {
        AWSAccessKeyId: ak,
        StringToSign: expect.stringToSign,
        SignatureProvided: provided,
        CanonicalRequest: expect.canonicalRequest,
      });
    }
    return { payloadHash, signedHeaders: signedList };
  }

  function pairs(raw) {
    const out = [];
    for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
    return out;
  }

  /** Answer with S3's XML error document (no body for HEAD).  Returns { status, code }. */
  function sendError(req, res, err, where) {
    const rid = randomBytes(8).toString('hex').toUpperCase();
    let body = '';
    if (req.method !== 'HEAD') {
      const tag = (k, v) => `<${k}>${xmlEscape(v)}</${k}>`;
      const fields = [tag('Code', err.code), tag('Message', err.message)];
      if (where?.key) fields.push(tag('Key', where.key));
      if (err.code === 'NoSuchBucket') fields.push(tag('BucketName', where.bucket));
      for (const [k, v] of Object.entries(err.extra)) fields.push(tag(k, v));
      fields.push(tag('RequestId', rid), tag('HostId', 'fake-s3'));
      body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields.join('')}</Error>`;
    }
    const headers = { 'x-amz-request-id': rid, Server: 'FakeS3' };
    if (body) {
      headers['Content-Type'] = 'application/xml';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    if (err.contentRange) headers['Content-Range'] = err.contentRange;
    if (err.close) headers.Connection = 'close';
    res.writeHead(err.status, headers);
    res.end(body);
    return { status: err.status, code: err.code };
  }

  /** Parse a single "bytes=" range against size: { start, end } | 'invalid' | null (ignore). */
  function parseRange(h, size) {
    if (!h) return null;
    const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
    if (!m || (m[1] === '' && m[2] === '')) return null;
    if (m[1] === '') {
      const n = Number(m[2]);
      if (n === 0) return 'invalid';
      return { start: Math.max(0, size - n), end: size - 1 };
    }
    const start = Number(m[1]);
    let end = m[2] === '' ? size - 1 : Number(m[2]);
    if (m[2] !== '' && end < start) return null; /* not a valid range: ignored */
    if (start >= size) return 'invalid';
    if (end >= size) end = size - 1;
    return { start, end };
  }

  /** GET or HEAD of an object, with Range and the test faults. */
  function serveObject(req, res, where) {
    const id = `${where.bucket}/${where.key}`;
    const obj = objects.get(id);
    if (!obj) throw new S3Error(404, 'NoSuchKey', MSG.noKey);
    const fault = faults.get(id);
    if (fault === 'status500') throw new S3Error(500, 'InternalError', MSG.internal);
    const size = obj.body.length;
    const range = fault === 'ignore-range' ? null : parseRange(req.headers.range, size);
    if (range === 'invalid') {
      const e = new S3Error(416, 'InvalidRange', MSG.range, {
        RangeRequested: req.headers.range,
        ActualObjectSize: size,
      });
      e.contentRange = `bytes */${size}`;
      throw e;
    }
    const headers = {
      'Content-Type': obj.contentType,
      ETag: obj.etag,
      'Last-Modified': obj.lastModified.toUTCString(),
      'Accept-Ranges': 'bytes',
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      Server: 'FakeS3',
    };
    let status = 200;
    let slice = obj.body;
    if (range) {
      status = 206;
      slice = obj.body.subarray(range.start, range.end + 1);
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    }
    headers['Content-Length'] = slice.length;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
    } else if (fault === 'truncate') {
      // Half the announced bytes, then the connection drops.
      const half = slice.subarray(0, Math.floor(slice.length / 2));
      res.write(half, () => setTimeout(() => res.socket?.destroy(), 20));
    } else {
      res.end(slice);
    }
    return { status };
  }

  async function handle(req, res, checked) {
    const [rawPath, rawQuery = ''] = req.url.split('?');
    const where = locate(req);
    const rec = {
      method: req.method,
      bucket: where.bucket,
      key: where.key,
      style: where.style,
      host: req.headers.host,
      contentType: req.headers['content-type'],
      contentLength: req.headers['content-length'],
      payloadHash: req.headers['x-amz-content-sha256'],
      range: req.headers.range,
      status: 0,
      code: null,
    };
    requests.push(rec);
    try {
      const auth = checked ?? authenticate(req, rawPath, rawQuery);
      rec.signedHeaders = auth.signedHeaders;
      if (req.method === 'PUT' && req.headers['content-length'] === undefined) {
        throw new S3Error(411, 'MissingContentLength', MSG.noLength);
      }
      const chunks = [];
      let n = 0;
      for await (const c of req) {
        n += c.length;
        if (n > maxObject) {
          const e = new S3Error(400, 'EntityTooLarge', MSG.tooLarge);
          e.close = true;
          throw e;
        }
        chunks.push(c);
      }
      const body = Buffer.concat(chunks);
      const computed = sha256hex(body);
      if (auth.payloadHash !== 'UNSIGNED-PAYLOAD' && auth.payloadHash !== computed) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', MSG.shaMismatch, {
          ClientComputedContentSHA256: auth.payloadHash,
          S3ComputedContentSHA256: computed,
        });
      }
      rec.bodySha256 = computed;
      if (!buckets.has(where.bucket)) throw new S3Error(404, 'NoSuchBucket', MSG.noBucket);
      if (where.key === '' || rawQuery !== '') {
        throw new S3Error(501, 'NotImplemented', 'Only object PUT, GET, HEAD and DELETE are faked');
      }
      const id = `${where.bucket}/${where.key}`;
      if (req.method === 'PUT') {
        if (req.headers['x-amz-copy-source']) {
          throw new S3Error(501, 'NotImplemented', 'Copy is not faked');
        }
        const etag = '"' + createHash('md5').update(body).digest('hex') + '"';
        objects.set(id, {
          body,
          contentType: req.headers['content-type'] || 'binary/octet-stream',
          etag,
          lastModified: new Date(),
        });
        res.writeHead(200, { ETag: etag, 'Content-Length': 0, Server: 'FakeS3' });
        res.end();
        rec.status = 200;
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        rec.status = serveObject(req, res, where).status;
      } else if (req.method === 'DELETE') {
        objects.delete(id); /* S3 answers 204 whether or not the key was there */
        res.writeHead(204, { Server: 'FakeS3' });
        res.end();
        rec.status = 204;
      } else {
        throw new S3Error(405, 'MethodNotAllowed', MSG.method);
      }
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      Object.assign(rec, sendError(req, res, err, where));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res, null).catch((e) => res.destroy(e));
  });
  // Expect: 100-continue: refuse a bad signature before the body is sent, as S3 does.
  server.on('checkContinue', (req, res) => {
    const [rawPath, rawQuery = ''] = req.url.split('?');
    let auth;
    try {
      auth = authenticate(req, rawPath, rawQuery);
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      const where = locate(req);
      err.close = true;
      requests.push({
        method: req.method,
        bucket: where.bucket,
        key: where.key,
        style: where.style,
        payloadHash: req.headers['x-amz-content-sha256'],
        beforeBody: true,
        ...sendError(req, res, err, where),
      });
      return;
    }
    res.writeContinue();
    handle(req, res, auth).catch((e) => res.destroy(e));
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessKey,
    secretKey,
    region,
    objects,
    requests,
    faults,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
