/**
 * Bootstrap on a Nest that lacks something the library reads (a supported version number, but `PathsExplorer` is
 * gone from `@nestjs/core/router/paths-explorer.js`, as if a release had moved it): the module's init stops with
 * CorsNestVersionError naming what is missing and the supported versions, not a TypeError later. The module is
 * mocked for this file, before Nest and the library are loaded; an application context (no HTTP router, which
 * would need the class itself) runs CorsModule's init.
 */
import { jest } from '@jest/globals';

jest.unstable_mockModule('@nestjs/core/router/paths-explorer.js', () => ({ PathsExplorer: undefined }));
const { Test } = await import('@nestjs/testing');
const { CorsModule, CorsNestVersionError } = await import('../lib/index.js');

describe('a Nest without PathsExplorer', () => {
  it('stops the module init with CorsNestVersionError naming what is missing', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot({})] }).compile();
    const init = moduleRef.init();
    await expect(init).rejects.toThrow(CorsNestVersionError);
    await expect(init).rejects.toThrow(
      "nestjs-route-cors supports NestJS 11 and 12 (@nestjs/common and @nestjs/core); this app's Nest does not provide " +
        'PathsExplorer in @nestjs/core/router/paths-explorer.js. Use @nestjs/core 11.x or 12.x',
    );
  });
});
