/**
 * Decides origins at request time, through Nest DI: extend it, mark it `@Injectable()`, inject a repository,
 * register it as a provider, and name the class in `@Cors({ origin: TenantOrigins })` or the module defaults.
 *
 * The origin passed in is always a well-formed serialized origin (`https://shop.example`); throwing, rejecting or
 * answering anything but `true` means "not allowed".
 */
export abstract class CorsOriginResolver {
  abstract isOriginAllowed(origin: string, request: any): boolean | Promise<boolean>;

  /**
   * Optional: every allowed origin at once (serialized: `https://shop.example`). When a resolver has it, the library
   * keeps the whole list in memory and answers every origin — known or random — from it without a query, reloading
   * it (one query, shared) after `originCache.ttl` and after `CorsPolicyService.invalidate()`. `isOriginAllowed()` is
   * then not called. For lists that fit in memory (a tenant table, not the open web).
   */
  allOrigins?(): Iterable<string> | Promise<Iterable<string>>;
}
