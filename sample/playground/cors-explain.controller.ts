import { Controller, Get, Query } from '@nestjs/common';
import { Cors, CorsPolicyService } from '../../lib/index.js';
import type { CorsEvaluation } from '../../lib/index.js';

/**
 * Why a browser at `origin` may (or may not) make a request: `CorsPolicyService.evaluate()` over HTTP, for the
 * playground page. Open to every origin and read-only; it reveals the CORS policy, which browsers see anyway.
 *
 *   GET /cors/explain?origin=http://localhost:3001&method=POST&path=/restricted&headers=content-type,authorization
 */
@Controller('cors')
@Cors({ origin: '*' })
export class CorsExplainController {
  constructor(private readonly cors: CorsPolicyService) {}

  @Get('explain')
  explain(
    @Query('origin') origin = '',
    @Query('method') method = 'GET',
    @Query('path') path = '/',
    @Query('headers') headers = '',
  ): Promise<CorsEvaluation> {
    const requestHeaders = String(headers)
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    return this.cors.evaluate({ origin: String(origin), method: String(method), path: String(path), requestHeaders });
  }
}
