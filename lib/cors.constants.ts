/** Metadata key of `@Cors()`: one typed value, `CorsPolicy | false`. */
export const CORS_POLICY_METADATA = 'nestjs-route-cors:policy';
