/** Where the service is and who the page acts as: from the page's URL, else Vite's env, else local defaults. */
export interface Settings {
  /** The service's GraphQL URL (HTTP); subscriptions use the same URL over WebSocket. */
  api: string;
  userId: string;
  /** A JWT for AUTH_MODE=jwt; empty with AUTH_MODE=off. */
  token: string;
}

export function settingsFromPage(search: string): Settings {
  const params = new URLSearchParams(search);
  return {
    api: params.get('api') ?? import.meta.env.VITE_GRAPHQL_URL ?? 'http://127.0.0.1:4000/graphql',
    userId: params.get('user') ?? '1',
    token: params.get('token') ?? import.meta.env.VITE_TOKEN ?? '',
  };
}
