/*
 * Live previews of a post as each platform would show it: an X card, a
 * Facebook post, an Instagram square with its caption, a LinkedIn post and a
 * YouTube video card. CSS only: no platform logos, fonts or scripts.
 * They are pictures of the post, so screen readers get one summary instead.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { PostMedia } from '../posts';
import { platformName, weightedLength } from '../posts';

export interface PreviewProps {
  platform: string;
  kind: string;
  name: string;
  handle: string;
  avatarUrl: string | null;
  text: string;
  media: PostMedia[];
  options: Record<string, unknown>;
  /** The text limit, to mark what would be cut off. */
  limit?: number | null;
}

function Avatar({ name, url }: { name: string; url: string | null }) {
  const [failed, setFailed] = useState(false);
  if (url && !failed && /^(https:|\/)/.test(url)) {
    return <img class="pv-avatar" src={url} alt="" width={40} height={40} referrerpolicy="no-referrer" onError={() => setFailed(true)} />;
  }
  return <span class="pv-avatar pv-avatar-initial">{Array.from(name.replace(/^@/, ''))[0]?.toUpperCase() ?? '?'}</span>;
}

function Thumb({ m, class: cls = '' }: { m: PostMedia; class?: string }) {
  const [failed, setFailed] = useState(false);
  return (
    <span class={`pv-media-item ${cls}`.trim()}>
      {m.thumbnail_url && !failed ? (
        <img src={m.thumbnail_url} alt="" loading="lazy" decoding="async" onError={() => setFailed(true)} />
      ) : (
        <span class="pv-media-none">{m.kind === 'video' ? 'Video' : 'Image'}</span>
      )}
      {m.kind === 'video' && <span class="pv-play" />}
    </span>
  );
}

function MediaGrid({ media, max }: { media: PostMedia[]; max: number }) {
  if (media.length === 0) return null;
  const shown = media.slice(0, max);
  return (
    <div class={`pv-media pv-media-${Math.min(shown.length, 4)}`}>
      {shown.map((m) => (
        <Thumb key={m.id} m={m} />
      ))}
      {media.length > max && <span class="pv-more">+{media.length - max}</span>}
    </div>
  );
}

/** The text, with what goes past the limit marked. */
function Body({ text, limit, weighted, clamp }: { text: string; limit?: number | null; weighted?: boolean; clamp?: number }) {
  if (text.trim() === '') return <p class="pv-text pv-empty">Your text appears here.</p>;
  let shown: ComponentChildren = text;
  if (limit && limit > 0) {
    const length = weighted ? weightedLength(text) : Array.from(text).length;
    if (length > limit) {
      // Find the cut in code points, by the same weighting.
      const chars = Array.from(text);
      let cut = chars.length;
      for (let i = 1; i <= chars.length; i++) {
        const part = chars.slice(0, i).join('');
        if ((weighted ? weightedLength(part) : i) > limit) {
          cut = i - 1;
          break;
        }
      }
      shown = (
        <>
          {chars.slice(0, cut).join('')}
          <mark class="pv-over">{chars.slice(cut).join('')}</mark>
        </>
      );
    }
  }
  if (clamp && text.length > clamp && !(limit && Array.from(text).length > limit)) {
    return (
      <p class="pv-text">
        {text.slice(0, clamp).trimEnd()}… <span class="pv-see-more">see more</span>
      </p>
    );
  }
  return <p class="pv-text">{shown}</p>;
}

function XPreview(p: PreviewProps) {
  const thread = Array.isArray(p.options.thread) ? (p.options.thread as { text?: string }[]) : [];
  return (
    <div class="pv pv-x">
      <div class="pv-x-post">
        <Avatar name={p.name} url={p.avatarUrl} />
        <div class="pv-x-main">
          <p class="pv-head">
            <strong>{p.name}</strong> <span class="pv-muted">{p.handle} · now</span>
          </p>
          <Body text={p.text} limit={p.limit ?? 280} weighted />
          <MediaGrid media={p.media} max={4} />
          <p class="pv-actions pv-muted">
            <span>Reply</span>
            <span>Repost</span>
            <span>Like</span>
            <span>Views</span>
          </p>
        </div>
      </div>
      {thread
        .filter((t) => (t.text ?? '').trim() !== '')
        .map((t, i) => (
          <div class="pv-x-post pv-x-reply" key={i}>
            <Avatar name={p.name} url={p.avatarUrl} />
            <div class="pv-x-main">
              <p class="pv-head">
                <strong>{p.name}</strong> <span class="pv-muted">{p.handle} · now</span>
              </p>
              <Body text={t.text ?? ''} limit={280} weighted />
            </div>
          </div>
        ))}
      {p.options.reply_settings && p.options.reply_settings !== 'everyone' && (
        <p class="pv-note">Replies limited: {String(p.options.reply_settings)}</p>
      )}
    </div>
  );
}

function FacebookPreview(p: PreviewProps) {
  const link = typeof p.options.link === 'string' && p.options.link.trim() !== '' ? p.options.link.trim() : null;
  let host = '';
  if (link) {
    try {
      host = new URL(link).host;
    } catch {
      host = link;
    }
  }
  const reel = p.kind === 'reel';
  return (
    <div class={reel ? 'pv pv-fb pv-fb-reel' : 'pv pv-fb'}>
      <div class="pv-fb-head">
        <Avatar name={p.name} url={p.avatarUrl} />
        <p class="pv-head">
          <strong>{p.name}</strong>
          <br />
          <span class="pv-muted">Just now · Public</span>
        </p>
      </div>
      <Body text={p.text} clamp={reel ? 120 : 480} />
      {reel && p.media[0] ? <Thumb m={p.media[0]} class="pv-vertical" /> : <MediaGrid media={p.media} max={5} />}
      {link && p.kind === 'post' && p.media.length === 0 && (
        <div class="pv-link">
          <span class="pv-link-image" />
          <span class="pv-muted pv-small">{host.toUpperCase()}</span>
          <strong class="pv-small">{link}</strong>
        </div>
      )}
      <p class="pv-actions pv-muted pv-fb-actions">
        <span>Like</span>
        <span>Comment</span>
        <span>Share</span>
      </p>
    </div>
  );
}

function InstagramPreview(p: PreviewProps) {
  const first = p.media[0];
  const comment = typeof p.options.first_comment === 'string' ? p.options.first_comment.trim() : '';
  const story = p.kind === 'story';
  const reel = p.kind === 'reel';
  return (
    <div class={`pv pv-ig${story ? ' pv-ig-story' : ''}${reel ? ' pv-ig-reel' : ''}`}>
      <div class="pv-ig-head">
        <Avatar name={p.handle} url={p.avatarUrl} />
        <strong class="pv-small">{p.handle.replace(/^@/, '')}</strong>
      </div>
      <div class="pv-ig-frame">
        {first ? <Thumb m={first} class="pv-ig-image" /> : <span class="pv-media-none">Instagram needs an image or a video</span>}
        {p.kind === 'carousel' && p.media.length > 1 && (
          <span class="pv-ig-dots">
            {p.media.slice(0, 10).map((m, i) => (
              <span key={m.id} class={i === 0 ? 'pv-dot pv-dot-on' : 'pv-dot'} />
            ))}
          </span>
        )}
      </div>
      {!story && (
        <>
          <p class="pv-actions pv-muted">
            <span>Like</span>
            <span>Comment</span>
            <span>Share</span>
            <span>Save</span>
          </p>
          <p class="pv-text pv-ig-caption">
            <strong>{p.handle.replace(/^@/, '')}</strong>{' '}
            {p.text.trim() === '' ? <span class="pv-muted">Your caption appears here.</span> : <IgCaption text={p.text} limit={p.limit ?? 2200} />}
          </p>
          {comment && (
            <p class="pv-text pv-ig-comment">
              <strong>{p.handle.replace(/^@/, '')}</strong> {comment}
            </p>
          )}
        </>
      )}
    </div>
  );
}

function IgCaption({ text, limit }: { text: string; limit: number }) {
  const chars = Array.from(text);
  if (chars.length <= limit) return <>{text}</>;
  return (
    <>
      {chars.slice(0, limit).join('')}
      <mark class="pv-over">{chars.slice(limit).join('')}</mark>
    </>
  );
}

function LinkedInPreview(p: PreviewProps) {
  const visibility = p.options.visibility === 'CONNECTIONS' ? 'Connections' : 'Anyone';
  return (
    <div class="pv pv-li">
      <div class="pv-fb-head">
        <Avatar name={p.name} url={p.avatarUrl} />
        <p class="pv-head">
          <strong>{p.name}</strong>
          <br />
          <span class="pv-muted pv-small">now · {visibility}</span>
        </p>
      </div>
      <Body text={p.text} clamp={210} limit={p.limit ?? 3000} />
      <MediaGrid media={p.media} max={4} />
      <p class="pv-actions pv-muted pv-fb-actions">
        <span>Like</span>
        <span>Comment</span>
        <span>Repost</span>
        <span>Send</span>
      </p>
    </div>
  );
}

function YouTubePreview(p: PreviewProps) {
  const video = p.media.find((m) => m.kind === 'video') ?? null;
  const title = typeof p.options.title === 'string' && p.options.title.trim() !== '' ? p.options.title : null;
  const privacy = typeof p.options.privacy === 'string' ? p.options.privacy : 'public';
  const short = p.kind === 'short';
  const seconds = video?.duration_ms ? Math.round(video.duration_ms / 1000) : null;
  return (
    <div class={short ? 'pv pv-yt pv-yt-short' : 'pv pv-yt'}>
      <div class="pv-yt-frame">
        {video ? <Thumb m={video} class="pv-yt-image" /> : <span class="pv-media-none">YouTube needs a video</span>}
        {seconds !== null && (
          <span class="pv-yt-time">
            {Math.floor(seconds / 60)}:{String(seconds % 60).padStart(2, '0')}
          </span>
        )}
        {short && <span class="pv-yt-badge">Short</span>}
      </div>
      <div class="pv-yt-info">
        <Avatar name={p.name} url={p.avatarUrl} />
        <div>
          <p class={title ? 'pv-yt-title' : 'pv-yt-title pv-muted'}>{title ?? 'The video needs a title'}</p>
          <p class="pv-muted pv-small">
            {p.name} · {privacy === 'public' ? 'Public' : privacy === 'unlisted' ? 'Unlisted' : 'Private'}
            {p.options.made_for_kids === true ? ' · Made for kids' : ''}
          </p>
        </div>
      </div>
      {p.text.trim() !== '' && <Body text={p.text} clamp={160} limit={p.limit ?? 5000} />}
    </div>
  );
}

/** The preview for one target, with a text summary for screen readers. */
export function Preview(props: PreviewProps) {
  const summary = `Preview on ${platformName(props.platform)} as ${props.handle}: ${props.media.length} media item${
    props.media.length === 1 ? '' : 's'
  }, ${Array.from(props.text).length} characters of text.`;
  let view;
  switch (props.platform) {
    case 'x':
      view = <XPreview {...props} />;
      break;
    case 'facebook':
      view = <FacebookPreview {...props} />;
      break;
    case 'instagram':
      view = <InstagramPreview {...props} />;
      break;
    case 'linkedin':
      view = <LinkedInPreview {...props} />;
      break;
    case 'youtube':
      view = <YouTubePreview {...props} />;
      break;
    default:
      view = (
        <div class="pv">
          <Body text={props.text} />
          <MediaGrid media={props.media} max={4} />
        </div>
      );
  }
  return (
    <figure class="preview" aria-label={`${platformName(props.platform)} preview`}>
      <p class="visually-hidden">{summary}</p>
      <div aria-hidden="true">{view}</div>
      <figcaption class="preview-caption">How it looks on {platformName(props.platform)} (approximately)</figcaption>
    </figure>
  );
}
