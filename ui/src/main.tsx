import { render } from 'preact';
import { App } from './components/App';
import { applyLanguage, systemLanguage } from './i18n';
import './styles.css';

// The system language until the stored setting arrives, so Korean users see no English flash.
applyLanguage(systemLanguage(navigator.language));

const root = document.getElementById('app');
if (root) render(<App />, root);
