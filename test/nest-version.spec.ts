/**
 * Bootstrap on a Nest major the library does not support: the app stops at init with CorsNestVersionError naming
 * the supported versions and the version found. The installed @nestjs/core reports 10.4.15 here (its package.json
 * is mocked for this file, before the library is loaded); everything else is the real Nest 12.
 */
import { jest } from '@jest/globals';
import { Controller, Get } from '@nestjs/common';

jest.unstable_mockModule('@nestjs/core/package.json', () => ({ default: { name: '@nestjs/core', version: '10.4.15' } }));
const { Cors, CorsModule, CorsNestVersionError } = await import('../lib/index.js');
const { ADAPTERS, createApp } = await import('./helpers.js');

@Controller('items')
@Cors({ origin: 'https://app.example.com' })
class ItemsController {
  @Get() list() {
    return [];
  }
}

describe.each(ADAPTERS)('on @nestjs/core 10.4.15 (%s)', (adapter) => {
  it('stops bootstrap with CorsNestVersionError naming 11 and 12 and the version found', async () => {
    const started = createApp({ imports: [CorsModule.forRoot({})], controllers: [ItemsController] }, undefined, adapter);
    await expect(started).rejects.toThrow(CorsNestVersionError);
    await expect(started).rejects.toThrow(
      'nestjs-route-cors supports NestJS 11 and 12 (@nestjs/common and @nestjs/core); this app has @nestjs/core 10.4.15. ' +
        'Use @nestjs/core 11.x or 12.x',
    );
  });
});
