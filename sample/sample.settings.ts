import { DynamicModule, Global, Module } from '@nestjs/common';
import type { SampleSettings } from './sample.config.js';

/** The sample's settings as a provider, so TypeOrmModule and CorsModule read them through `inject`. */
export const SAMPLE_SETTINGS = Symbol('SAMPLE_SETTINGS');

@Global()
@Module({})
export class SampleSettingsModule {
  static forRoot(settings: SampleSettings): DynamicModule {
    return { module: SampleSettingsModule, providers: [{ provide: SAMPLE_SETTINGS, useValue: settings }], exports: [SAMPLE_SETTINGS] };
  }
}
