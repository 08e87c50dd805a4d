import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApolloClient } from './apollo';
import { App } from './App';
import { settingsFromPage } from './settings';
import './styles.css';

const settings = settingsFromPage(window.location.search);
const client = createApolloClient(settings);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App settings={settings} />
    </ApolloProvider>
  </StrictMode>,
);
