/** HTTP requests with exactly the headers and path a test gives, over node:http (no client rewrites them). */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request with exactly these headers (Origin included, which browsers' fetch would not let us set), to a
 * URL, or to a port on 127.0.0.1 with the path sent as written: no URL parsing on the way, so percent-escapes, "//"
 * and an absolute-form target (`http://host/path`) reach the server as they are.
 */
export function raw(
  target: string | { port: number; path: string },
  method: string,
  headers: Record<string, string>,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = { method, headers, agent: false };
    const done = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req =
      typeof target === 'string' ? httpRequest(target, options, done) : httpRequest({ host: '127.0.0.1', ...target, ...options }, done);
    req.on('error', reject);
    req.end();
  });
}
