import { DurableObject } from 'cloudflare:workers';
import { FaultsUpdate, type SimAccount, type SimResponse } from '../shared/sim-http';
import { GoogleAdsCustomer } from './google-ads';
import { MerchantAccount } from './merchant';
import { MetaAdAccount } from './meta';

// One Durable Object per simulated ads account (Google Ads customer, Merchant Center account,
// Meta ad account), so its limits hold across requests; the logic is in the pure modules beside.
// Admin: faults, limits, truth (which entities are sold out), listing, reset.

export const ADS_ACCOUNT_HEADER = 'x-sim-account';

type AdsSim = SimAccount & {
  truth(body: unknown, now: number): unknown;
  setLimits(body: unknown, now: number): unknown;
};

abstract class AdsAccountObject<S extends AdsSim> extends DurableObject {
  private sim: S | undefined;
  protected abstract create(account: string, now: number): S;

  override async fetch(request: Request): Promise<Response> {
    const now = Date.now();
    const account = request.headers.get(ADS_ACCOUNT_HEADER) ?? '_unknown';
    const admin = /^\/_sim\/\w+\/(\w+)$/.exec(new URL(request.url).pathname)?.[1];
    if (admin === 'reset') this.sim = undefined;
    this.sim ??= this.create(account, now);
    const body =
      request.method === 'GET' || request.method === 'HEAD'
        ? ''
        : new TextDecoder().decode(await request.arrayBuffer());
    if (admin !== undefined) {
      const input: unknown = body === '' ? {} : JSON.parse(body);
      const out =
        admin === 'reset'
          ? { reset: true }
          : admin === 'faults'
            ? this.sim.setFaults(FaultsUpdate.parse(input))
            : admin === 'limits'
              ? this.sim.setLimits(input, now)
              : admin === 'truth'
                ? this.sim.truth(input, now)
                : admin === 'listing'
                  ? this.sim.listing(now)
                  : undefined;
      return out === undefined
        ? Response.json({ error: `unknown action ${admin}` }, { status: 404 })
        : Response.json(out);
    }
    const res: SimResponse = await this.sim.handle(
      {
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body,
      },
      now,
    );
    if (res.delayMs) await new Promise((resolve) => setTimeout(resolve, res.delayMs));
    return new Response(res.body, { status: res.status, headers: res.headers });
  }
}

export class GoogleAdsSim extends AdsAccountObject<GoogleAdsCustomer> {
  protected create(account: string, now: number) {
    return new GoogleAdsCustomer(account, now);
  }
}

export class MerchantSim extends AdsAccountObject<MerchantAccount> {
  protected create(account: string, now: number) {
    return new MerchantAccount(account, now);
  }
}

export class MetaAdsSim extends AdsAccountObject<MetaAdAccount> {
  protected create(account: string, now: number) {
    return new MetaAdAccount(account, now);
  }
}
