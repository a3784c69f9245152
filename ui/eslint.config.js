import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Text from endpoints, files and servers is hostile: it is only ever rendered as text.
const noHtmlSinks = {
  'no-restricted-syntax': [
    'error',
    {
      selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
      message: 'Render text as JSX children; never inject HTML.',
    },
    {
      selector: "Property[key.name='dangerouslySetInnerHTML']",
      message: 'Render text as JSX children; never inject HTML.',
    },
    {
      selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]',
      message: 'Assigning HTML is forbidden; set textContent or render JSX.',
    },
    {
      selector: 'AssignmentExpression > MemberExpression.left[property.value=/^(innerHTML|outerHTML)$/]',
      message: 'Assigning HTML is forbidden; set textContent or render JSX.',
    },
    {
      selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
      message: 'insertAdjacentHTML injects HTML; render JSX instead.',
    },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'document', property: 'write', message: 'document.write injects HTML.' },
    { object: 'document', property: 'writeln', message: 'document.writeln injects HTML.' },
  ],
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'src/bindings.ts'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      ...noHtmlSinks,
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
