/**
 * The tenant API over GraphQL (schema-first): the same tenant front-ends (from the database) and cookies as
 * GET /tenant/profile, but mounted by @nestjs/apollo outside the controller table, so its CORS policy is in
 * `paths['/graphql']` of CorsModule (sample/app.module.ts), not in @Cors().
 */
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const TENANT_TYPE_DEFS = /* GraphQL */ `
  type Profile {
    user: String
    plan: String!
    "The Origin header of the request (null for same-origin and server-to-server calls)."
    calledFrom: String
    "Whether the request carried the session cookie that signIn sets."
    signedIn: Boolean!
  }

  type Query {
    me: Profile!
  }

  type Mutation {
    "Starts a session: sets an HttpOnly cookie that the next credentialed requests carry."
    signIn(user: String!): Profile!
  }
`;

export const SESSION_COOKIE = 'sample_session';

export interface GraphqlContext {
  req: IncomingMessage;
  res: ServerResponse;
}

function sessionOf(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

@Resolver()
export class TenantGraphqlResolver {
  @Query('me')
  me(@Context() { req }: GraphqlContext) {
    const user = sessionOf(req);
    return { user, plan: 'pro', calledFrom: req.headers.origin ?? null, signedIn: user !== null };
  }

  @Mutation('signIn')
  signIn(@Args('user') user: string, @Context() { req, res }: GraphqlContext) {
    const name = user.replace(/[^\w.-]/g, '').slice(0, 32) || 'guest';
    // SameSite=Lax: the playground (another port on localhost) is the same site, so credentialed fetches carry it.
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${name}; Path=/; HttpOnly; SameSite=Lax`);
    return { user: name, plan: 'pro', calledFrom: req.headers.origin ?? null, signedIn: true };
  }
}
