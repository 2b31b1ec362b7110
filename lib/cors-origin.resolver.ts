/**
 * Decides origins at request time, through Nest DI: extend it, mark it `@Injectable()`, inject a repository,
 * register it as a provider, and name the class in `@Cors({ origin: TenantOrigins })` or the module defaults.
 *
 * The origin passed in is always a well-formed serialized origin (`https://shop.example`); throwing, rejecting or
 * answering anything but `true` means "not allowed".
 */
export abstract class CorsOriginResolver {
  abstract isOriginAllowed(origin: string, request: any): boolean | Promise<boolean>;
}
