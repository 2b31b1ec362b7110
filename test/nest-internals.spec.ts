/** The one module that reads Nest internals: it loads on this Nest, and an app it cannot read gets a clear error. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ModuleRef } from '@nestjs/core';
import {
  applicationConfigOf,
  checkNestVersion,
  CorsNestVersionError,
  loadNestInternals,
  nestVersionProblem,
  readNestCoreVersion,
  SUPPORTED_NEST_VERSIONS,
} from '../lib/cors-nest.internals.js';

describe('cors-nest.internals', () => {
  it('loads every internal the route table reads', async () => {
    const nest = await loadNestInternals();
    expect(nest).toMatchObject({ HOST_METADATA: 'host', MODULE_PATH: '__module_path__', VERSION_METADATA: '__version__' });
    expect(nest.addLeadingSlash('items')).toBe('/items');
    expect(nest.addLeadingSlash('{/:lang}/shop')).toBe('{/:lang}/shop');
    expect(typeof nest.RoutePathFactory).toBe('function');
    expect(typeof nest.PathsExplorer).toBe('function');
    // Nest 12; null on Nest 11 (npm run test:packaging checks both builds in its Nest 11 and Nest 12 apps)
    expect(nest.sortBySpecificity).not.toBeNull();
  });

  it('reads the application config through ModuleRef', async () => {
    const moduleRef = await Test.createTestingModule({}).compile();
    const config = applicationConfigOf(moduleRef.get(ModuleRef));
    expect(config.getGlobalPrefix()).toBe('');
  });

  it('names the supported versions when a Nest does not provide what it reads', () => {
    expect(() => applicationConfigOf({} as ModuleRef)).toThrow(CorsNestVersionError);
    expect(() => applicationConfigOf({} as ModuleRef)).toThrow(`supports NestJS ${SUPPORTED_NEST_VERSIONS}`);
    expect(SUPPORTED_NEST_VERSIONS).toBe('11 and 12');
  });
});

describe('the Nest version check', () => {
  it.each([
    ['11.0.0', null],
    ['11.2.10', null],
    ['12.0.0', null],
    ['12.5.1', null],
    ['12.0.0-beta.1', null],
    ['11.0.0-next.2', null],
    ['12.1.0+build.7', null],
    ['10.4.15', 'this app has @nestjs/core 10.4.15'],
    ['9.0.0', 'this app has @nestjs/core 9.0.0'],
    ['13.0.0', 'this app has @nestjs/core 13.0.0'],
    ['13.0.0-rc.0', 'this app has @nestjs/core 13.0.0-rc.0'],
    ['110.0.0', 'this app has @nestjs/core 110.0.0'],
    ['garbage', "this app's @nestjs/core has the version 'garbage', which names no major"],
    ['', "this app's @nestjs/core has the version '', which names no major"],
    ['12', "this app's @nestjs/core has the version '12', which names no major"],
    ['v12.0.0', "this app's @nestjs/core has the version 'v12.0.0', which names no major"],
    ['12.0.0 ', "this app's @nestjs/core has the version '12.0.0 ', which names no major"],
  ])('%j: %s', (version, problem) => {
    expect(nestVersionProblem(version)).toBe(problem);
  });

  it('reads the installed @nestjs/core version', async () => {
    const installed = JSON.parse(readFileSync(join(process.cwd(), 'node_modules/@nestjs/core/package.json'), 'utf8')) as {
      version: string;
    };
    await expect(readNestCoreVersion()).resolves.toBe(installed.version);
  });

  it('throws CorsNestVersionError naming the supported versions and the version found', async () => {
    const check = checkNestVersion(async () => '13.0.0');
    await expect(check).rejects.toThrow(CorsNestVersionError);
    await expect(check).rejects.toThrow(
      'nestjs-route-cors supports NestJS 11 and 12 (@nestjs/common and @nestjs/core); this app has @nestjs/core 13.0.0. ' +
        'Use @nestjs/core 11.x or 12.x, or a version of nestjs-route-cors that supports yours',
    );
  });

  it('lets a supported version through, and one it cannot read (12.0 and 12.1 do not export package.json)', async () => {
    await expect(checkNestVersion(async () => '11.2.10')).resolves.toBeUndefined();
    await expect(checkNestVersion(async () => null)).resolves.toBeUndefined();
  });
});
