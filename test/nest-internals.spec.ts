/** The one module that reads Nest internals: it loads on this Nest, and an app it cannot read gets a clear error. */
import { Test } from '@nestjs/testing';
import { ModuleRef } from '@nestjs/core';
import { applicationConfigOf, CorsNestVersionError, loadNestInternals, SUPPORTED_NEST_VERSIONS } from '../lib/cors-nest.internals.js';

describe('cors-nest.internals', () => {
  it('loads every internal the route table reads', async () => {
    const nest = await loadNestInternals();
    expect(nest).toMatchObject({ HOST_METADATA: 'host', MODULE_PATH: '__module_path__', VERSION_METADATA: '__version__' });
    expect(nest.addLeadingSlash('items')).toBe('/items');
    expect(nest.addLeadingSlash('{/:lang}/shop')).toBe('{/:lang}/shop');
    expect(typeof nest.RoutePathFactory).toBe('function');
    expect(typeof nest.PathsExplorer).toBe('function');
    expect(nest.sortBySpecificity).not.toBeNull(); // Nest 12; null on Nest 11 (see the packaging test)
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
