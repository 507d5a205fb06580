/*
 * Small pieces the post screens share: platform marks, state badges,
 * campaign swatches, the workspace's accounts and campaigns.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, seg } from '../api';
import type { Items, SocialAccount } from '../api';
import type { Campaign } from '../posts';
import { platformName, safeColor, stateLabel, stateTone } from '../posts';

export { refreshPending } from '../pending';

const MARK: Readonly<Record<string, string>> = {
  facebook: 'f',
  instagram: 'IG',
  linkedin: 'in',
  youtube: '▶',
  x: 'X',
  tiktok: 'T',
  whatsapp: 'W',
};

/**
 * A platform's mark: a coloured square with its initial (CSS only). With
 * `label` it is named for screen readers; otherwise it is decoration.
 */
export function PlatformIcon({ platform, label, size = 'md' }: { platform: string; label?: boolean; size?: 'sm' | 'md' }) {
  const name = platformName(platform);
  return (
    <span
      class={`pf-mark pf-${platform} pf-${size}`}
      role={label ? 'img' : undefined}
      aria-label={label ? name : undefined}
      aria-hidden={label ? undefined : 'true'}
      title={name}
    >
      {MARK[platform] ?? name.charAt(0).toUpperCase()}
    </span>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`${stateTone(state)} state-${state}`}>{stateLabel(state)}</span>;
}

/** A campaign's colour as a CSS custom property (set through the CSSOM, which the CSP allows). */
export function campaignStyle(color: string | null | undefined): Record<string, string> | undefined {
  const c = safeColor(color);
  return c ? { '--campaign': c } : undefined;
}

export function CampaignSwatch({ color }: { color: string | null | undefined }) {
  return <span class="campaign-swatch" style={campaignStyle(color)} aria-hidden="true" />;
}

/* ---------- Workspace data ---------- */

const accountCache = new Map<number, SocialAccount[]>();
const campaignCache = new Map<number, Campaign[]>();

/** The campaigns answer: `{items}` per the other list routes, or `{campaigns}`. */
export function campaignsOf(data: unknown): Campaign[] {
  const d = data as { items?: Campaign[]; campaigns?: Campaign[] } | null;
  return d?.items ?? d?.campaigns ?? [];
}

/** The workspace's accounts (cached per workspace for this page load; refreshed on each mount). */
export function useAccounts(workspaceId: number) {
  const [accounts, setAccounts] = useState<SocialAccount[] | null>(() => accountCache.get(workspaceId) ?? null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    get<Items<SocialAccount>>(`/workspaces/${seg(workspaceId)}/accounts`).then(
      (r) => {
        accountCache.set(workspaceId, r.items);
        if (live) setAccounts(r.items);
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [workspaceId, tick]);
  return { accounts, error, reload: () => setTick((n) => n + 1) };
}

export function useCampaigns(workspaceId: number) {
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(() => campaignCache.get(workspaceId) ?? null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    get<unknown>(`/workspaces/${seg(workspaceId)}/campaigns`).then(
      (r) => {
        const list = campaignsOf(r);
        campaignCache.set(workspaceId, list);
        if (live) setCampaigns(list);
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [workspaceId, tick]);
  return { campaigns, error, reload: () => setTick((n) => n + 1) };
}
