/** What a gateway's policy looks like at startup: one line each (at the report's level), warnings that always show. */
import { Test } from '@nestjs/testing';
import { AbstractWsAdapter, WebSocketGateway } from '@nestjs/websockets';
import { EventEmitter } from 'node:events';
import { Cors, CorsModule } from '../../lib/index.js';
import { captureLogger } from '../helpers.js';

@WebSocketGateway({ namespace: 'open' })
@Cors(false)
class OpenGateway {}

@WebSocketGateway({ namespace: 'star' })
@Cors({ origin: '*' })
class StarGateway {}

@WebSocketGateway({ namespace: 'feed' })
@Cors({ origin: ['https://app.example.com'], credentials: true })
class FeedGateway {}

@WebSocketGateway()
class PlainGateway {}

async function boot(report?: false | 'debug') {
  const logger = captureLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [CorsModule.forRoot(report === undefined ? {} : { report })],
    providers: [OpenGateway, StarGateway, FeedGateway, PlainGateway],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  await app.close();
  return logger.lines.filter((l) => l.context === 'CorsModule');
}

describe('gateways at startup', () => {
  it('one line per gateway with its policy; warnings for no check and for any origin', async () => {
    const lines = await boot();
    const messages = lines.map((l) => `${l.level}: ${l.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "log: gateway FeedGateway (socket.io /socket.io/ namespace /feed): origins ['https://app.example.com'], credentials",
        'log: gateway PlainGateway (socket.io /socket.io/): same origin only (no origins configured: add @Cors({ origin }) to admit other sites)',
        expect.stringMatching(
          /^warn: OpenGateway .* has no origin check \(@Cors\(false\)\): any site's pages can open it with your users' cookies/,
        ),
        expect.stringMatching(/^warn: StarGateway .* admits any origin \('\*'\): browsers send cookies with every WebSocket handshake/),
        expect.stringMatching(/^log: OpenGateway, StarGateway, FeedGateway, PlainGateway share one Socket.IO server/),
      ]),
    );
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it("report: false drops the lines, never the warnings; 'debug' moves them", async () => {
    const off = await boot(false);
    expect(off.filter((l) => l.message.startsWith('gateway '))).toEqual([]);
    expect(off.filter((l) => l.level === 'warn')).toHaveLength(2);
    const debug = await boot('debug');
    expect(debug.filter((l) => l.message.startsWith('gateway ')).map((l) => l.level)).toEqual(['debug', 'debug', 'debug', 'debug']);
  });
});

/** A WebSocket platform the library has no binding for. */
class CustomAdapter extends AbstractWsAdapter {
  create() {
    return new EventEmitter();
  }
  bindMessageHandlers() {}
}

describe('gateways the library cannot check', () => {
  it('a custom WebSocket adapter: a warning that the origin is NOT checked', async () => {
    const logger = captureLogger();
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot()], providers: [PlainGateway] }).compile();
    const app = moduleRef.createNestApplication({ logger });
    app.useWebSocketAdapter(new CustomAdapter(app));
    await app.init();
    await app.close();
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringContaining(
        'PlainGateway: its server is neither Socket.IO nor ws (a custom WebSocket adapter?), so its origin is NOT checked',
      ),
    ]);
  });

  it('an application context (no server, no handshake): nothing to check, no warning', async () => {
    const logger = captureLogger();
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot()], providers: [PlainGateway] }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    await moduleRef.close();
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
