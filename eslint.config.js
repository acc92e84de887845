// Flat config: ESLint's recommended rules plus typescript-eslint's, over every context, and the
// rules that keep the design's boundaries: names from the contract, folders entered by their
// public file.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createJiti } from 'jiti';

// The event names are read from the contract itself, so an event added there is covered here.
const { ClientEvent, ServerEvent } = await createJiti(import.meta.url).import('./contract/events.ts');
const eventNames = [...Object.values(ClientEvent), ...Object.values(ServerEvent)].join('|');
/** esquery regexes end at the first "/", so a slash inside one is written \x2F. */
const API_PATH = String.raw`/^\x2Fapi(\x2F|$)/`;
const EVENT_NAME = `/^(${eventNames})$/`;
const FROM_CONTRACT =
  'Use the name from contract/ (ClientEvent, ServerEvent, HttpPath, messagesPath(id), …).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The contract declares every event name and API path once; everything else imports them.
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    ignores: ['contract/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${EVENT_NAME}]`, message: FROM_CONTRACT },
        { selector: `TemplateElement[value.cooked=${EVENT_NAME}]`, message: FROM_CONTRACT },
        { selector: `Literal[value=${API_PATH}]`, message: FROM_CONTRACT },
        { selector: `TemplateElement[value.cooked=${API_PATH}]`, message: FROM_CONTRACT },
      ],
      // A module folder is entered through its public file (index.ts); its other files may change.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`(^|/)(outbox|localdb|net|client-kit)/(?!index(\.js)?$)[^/]+$`,
              message: 'Import this folder through its public file (…/index), not one of its inner files.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['scripts/**', 'bench/**', 'test/**'], rules: { 'no-console': 'off' } },
);
