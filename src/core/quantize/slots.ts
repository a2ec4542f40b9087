/**
 * A V2 helper called with fewer inputs than its slot layout (telechat_pa's paged layer passes 6 of
 * RowParallelLinearV2's 7: layers/parallel_layer_v2.cpp declares `inTensorNum = 7`, slots input,
 * weight, bias, deqScale, index, offset, compressInfo, at every commit of the 2024 tree). ATB rejects
 * that float graph at setup. When every given input sits in the slot its layout says and only
 * trailing placeholder slots are missing, the complete list is certain: the missing slots hold the
 * placeholder in any float call. Anything else (a missing input, weight or bias slot, an input that
 * does not fit its slot) stays a refusal.
 */
import type { HelperLayout } from './catalog';

export type SlotCheck =
  | { ok: true; slots: string[]; missing: number }
  | { ok: false; code: string; args: Record<string, string | number> };

/** Slots that hold the placeholder in a float call: all but the input, the weights and the biases. */
export function placeholderSlots(h: HelperLayout): Set<number> {
  const named = new Set([0, ...h.weights, ...h.bias]);
  return new Set(Array.from({ length: h.slots }, (_, i) => i).filter((i) => !named.has(i)));
}

/**
 * The full slot list for `names` given to helper `h`, or why it cannot be completed with certainty.
 * `isWeight` tells a weight tensor; `holder` is the layer's placeholder tensor.
 */
export function completeTrailingSlots(names: string[], h: HelperLayout, holder: string, isWeight: (n: string) => boolean): SlotCheck {
  const holders = placeholderSlots(h);
  const base = { helper: h.name, expected: h.slots, actual: names.length };
  if (names.length > h.slots) return { ok: false, code: 'quantize.helper-slots', args: base };
  for (let i = names.length; i < h.slots; i++) {
    if (!holders.has(i)) return { ok: false, code: 'quantize.slots.missing-slot', args: { ...base, slot: i } };
  }
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    const fits = holders.has(i) ? n === holder : h.weights.includes(i) ? n === holder || isWeight(n) : i === 0 ? n !== holder && !isWeight(n) : !isWeight(n);
    if (!fits) return { ok: false, code: 'quantize.slots.misfit', args: { ...base, slot: i, tensor: n } };
  }
  return { ok: true, slots: [...names, ...Array(h.slots - names.length).fill(holder)], missing: h.slots - names.length };
}
