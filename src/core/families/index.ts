/**
 * The model-family catalogue (families.yaml) and the one reader of family facts. See types.ts for
 * the shapes, catalogue.ts for loading and overrides, resolve.ts for how catalogue, config.json and
 * weight names combine into a ResolvedFamily and the model's quirks.
 */
export * from './types';
export { loadFamilies, registerBuiltinFamilies, builtinFamilies, type FamilyCatalogue, type FamilyEntry, type FamilyVariant, type CatalogueProblem } from './catalogue';
export { resolveFamily, STANDARD_NAMING, UNKNOWN_FAMILY_ID, type WeightEvidence, type FamilyConflict, type ResolveInput } from './resolve';
