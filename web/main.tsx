/** Entry of the page: styles, then the app into #app (in the person's language: see i18nReady). */
import { render } from 'preact';
import './styles/app.css';
import { i18nReady } from './i18n/index';
import { App } from './ui/App';

void i18nReady.then(() => render(<App />, document.getElementById('app')!));
