import { CATALOGUE } from './catalogue.js';
import { KEYWORDS } from './keywords.js';

// The catalogue as published to the docs, the UI's field completion and MCP's glossary.

export interface KflFieldInfo {
  name: string;
  type: 'str' | 'int' | 'float' | 'bool' | 'ts' | 'list<str>' | 'map<str,str>';
  description: string;
  aliases: string[];
}

export const KFL_FIELDS: readonly KflFieldInfo[] = Object.freeze(
  CATALOGUE.flatMap((f) =>
    f.type === 'obj'
      ? []
      : [{ name: f.name, type: f.type, description: f.description, aliases: [...f.aliases] }],
  ),
);

export const KFL_KEYWORDS: readonly { name: string; description: string }[] = Object.freeze(
  KEYWORDS.map((k) => ({ name: k.name, description: k.description })),
);
