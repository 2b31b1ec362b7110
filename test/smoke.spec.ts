import { Controller, Get, Put } from '@nestjs/common';
import { Cors, CorsModule } from '../lib/index.js';
import { createApp, http, preflight } from './helpers.js';

@Controller('account')
@Cors({ credentials: true, exposedHeaders: ['X-Request-Id'] })
class AccountController {
  @Get() get() { return { ok: true }; }
  @Put() @Cors({ methods: ['PUT'], allowedHeaders: ['Content-Type', 'X-CSRF-Token'] }) update() { return { ok: 1 }; }
}

describe('smoke', () => {
  it('works', async () => {
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: ['https://app.example.com'], maxAge: 600 })], controllers: [AccountController] });
    const r = await http(app).get('/account').set('Origin', 'https://app.example.com');
    console.log(r.status, r.headers);
    const p = await preflight(app, '/account', 'https://app.example.com', 'PUT', 'content-type,x-csrf-token');
    console.log(p.status, p.headers);
    await app.close();
  });
});
