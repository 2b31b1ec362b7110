/** Where the sample listens and which front-end it trusts (the playground page is served from FRONTEND_ORIGIN). */
export const PORT = Number(process.env.PORT ?? 3000);
export const FRONTEND_ORIGIN = process.env.FRONTEND_ORIGIN ?? `http://localhost:${Number(process.env.PLAYGROUND_PORT ?? 3001)}`;
