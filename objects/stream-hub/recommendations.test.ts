import { describe, expect, it } from 'vitest';
import type { ListingRules } from '../../protocol/stream';
import { seesRecommendation } from './recommendations';

const transfer = { sku: 'TEE-1', location: 'MAN-1', from: 'RTM-1' };
const order = { sku: 'TEE-1', location: 'LON-1', from: null };
const rules: ListingRules = {
  code: 'web-uk',
  locations: ['RTM-1'],
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('seesRecommendation', () => {
  it('sends nothing to a subscriber that did not ask for recommendations', () => {
    expect(seesRecommendation({}, undefined, order)).toBe(false);
    expect(seesRecommendation({ recommendations: false }, undefined, order)).toBe(false);
    expect(seesRecommendation({ recommendations: true }, undefined, order)).toBe(true);
  });

  it('sends them to a socket that asked for no stock rows', () => {
    expect(seesRecommendation({ recommendations: true, rows: false }, undefined, order)).toBe(true);
  });

  it('follows the SKU list and prefix', () => {
    expect(seesRecommendation({ recommendations: true, skus: ['X'] }, undefined, order)).toBe(
      false,
    );
    expect(seesRecommendation({ recommendations: true, prefix: 'TEE' }, undefined, order)).toBe(
      true,
    );
    expect(seesRecommendation({ recommendations: true, prefix: 'MUG' }, undefined, order)).toBe(
      false,
    );
  });

  it('shows a transfer at either end and an order at its location, to the locations seen', () => {
    const at = (locations: string[]) => ({ recommendations: true, locations });
    expect(seesRecommendation(at(['RTM-1']), undefined, transfer)).toBe(true);
    expect(seesRecommendation(at(['MAN-1']), undefined, transfer)).toBe(true);
    expect(seesRecommendation(at(['LON-1']), undefined, transfer)).toBe(false);
    expect(seesRecommendation(at(['LON-1']), undefined, order)).toBe(true);
  });

  it("limits a channel subscriber to its channel's locations, and to none without its rules", () => {
    const ch = { recommendations: true, channel: 'web-uk' };
    expect(seesRecommendation(ch, rules, transfer)).toBe(true);
    expect(seesRecommendation(ch, rules, order)).toBe(false);
    expect(seesRecommendation(ch, undefined, transfer)).toBe(false);
    expect(seesRecommendation({ ...ch, locations: ['LON-1'] }, undefined, order)).toBe(true);
  });
});
