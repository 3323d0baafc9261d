import { DurableObject } from 'cloudflare:workers';

export class SkuStock extends DurableObject<Env> {}
