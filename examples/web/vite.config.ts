import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run web` serves this app; it talks to the service at VITE_GRAPHQL_URL (default
// http://127.0.0.1:4000/graphql) or at the page's `?api=` parameter.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  server: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 5173), strictPort: false },
  // The app imports the project's generated client types from ../../client; let Vite serve them.
  resolve: { dedupe: ['graphql', 'react', 'react-dom', '@apollo/client'] },
  // Bundled up front, so a first visit never reloads the page halfway to add a dependency it found late.
  optimizeDeps: {
    include: [
      'react',
      'react/jsx-dev-runtime',
      'react-dom/client',
      '@apollo/client',
      '@apollo/client/react',
      '@apollo/client/link/subscriptions',
      'graphql',
      'graphql-ws',
    ],
  },
});
