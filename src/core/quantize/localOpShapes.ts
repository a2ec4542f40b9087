/**
 * Model-local graph ops the rewrite may inline, as data: each entry is the graph an op's own .cpp
 * builds (read through the layer's #include), written as a signature of simple ATB nodes, with the
 * sources it was checked against. The rewrite replaces such an op node by these nodes (plain
 * Linear, Split, Activation, Mul) and then quantizes the linears in them like any other.
 *
 * Signature grammar: nodes in graph order, separated by spaces; `kind[args](inputs)>outputs`, with
 * op inputs `in0..`, op outputs `out0..` and the op's internal tensors `t0..` (numbered by first
 * write). `matmul` is a MatmulParam `{false, X}` or LinearParam `{false, X, false}` (no bias);
 * `split[d,n]` a SplitParam `{d, n}`; `act[T]` an ActivationParam of type T; `mul` an Elewise MUL.
 * `~flat` / `~unflat` after a node: the op reshapes its first input `[a, b, c] -> [a*b, c]` / back to 3D
 * with the last dim kept (`[m, n] -> [1, m, n]` or `[k, m/k, n]`); `~?` any other reshape, `~1...` one
 * on another input (no known shape has those).
 */
export interface LocalOpShape {
  name: string;
  signature: string;
  /** Where this shape was read (path in ATB-Models @ commit) and why inlining it is exact. */
  checked: string;
}

/**
 * The reshapes these ops do are a flatten / unflatten pair around the matmul (`[b, s, h] -> [b*s, h]`
 * before it, `-> [1 or b, M, N]` before the split): the data stays contiguous and the split is on
 * the last dim either way. The inlined form feeds the 3D input to the Linear (ATB's Linear takes
 * `[b, s, h]`, as the hand-written quant layers do) and splits dim 2 of `[b, s, N]`, which gives the
 * `[b, s, N/n]` outputs the op's own inferShapeFunc declares.
 */
export const LOCAL_OP_SHAPES: LocalOpShape[] = [
  {
    name: 'packed QKV linear + split',
    signature: 'matmul~flat(in0,in1)>t0 split[2,3]~unflat(t0)>out0,out1,out2',
    checked:
      'models/llama_parallel/layer/llamalayer_multi_layer_linear.cpp @c8620dc, models/deepseek/16b_dense/operation/deepseek_dense_multi_layer_linear.cpp @146645b',
  },
  {
    name: 'packed gate-up SwiGLU (no down projection)',
    signature: 'matmul~flat(in0,in1)>t0 split[2,2]~unflat(t0)>t1,t2 act[ACTIVATION_SWISH](t1)>t3 mul(t3,t2)>out0',
    checked: 'models/llama_parallel/layer/llamalayer_mlp.cpp @c8620dc (gate is the first half, as in layers/mlp_gate_v2.cpp isPack)',
  },
  {
    name: 'packed gate-up SwiGLU + down projection',
    signature: 'matmul~flat(in0,in1)>t0 split[2,2]~unflat(t0)>t1,t2 act[ACTIVATION_SWISH](t1)>t3 mul(t3,t2)>t4 matmul(t4,in2)>out0',
    checked: 'models/deepseek/16b_dense/operation/deepseek_dense_mlp_without_expert.cpp @146645b',
  },
];

/** Creators of mixture-of-experts ops: no quantized form exists for them in the old-style generation. */
export const MOE_OP_CREATOR = /Moe/;

/** Param types the inliner understands inside a local op (last segment). */
export const SIMPLE_PARAMS = { matmul: ['MatmulParam', 'LinearParam'], split: 'SplitParam', act: 'ActivationParam', elewise: 'ElewiseParam' } as const;
export const ELEWISE_MUL = 'ELEWISE_MUL';

/**
 * `atb::infer::LinearParallelParam` with parallelType "RowParallel" and bias "None" is a matmul
 * followed by an all-reduce over the ranks. It is lowered to a plain Linear (which the rewrite then
 * turns into RowParallelLinearV2 with its own quant op) and an AllReduce node that keeps every
 * communication field of the original under the same names (AllReduceParam has them all, including
 * rankTableFile, which the V2 helpers' CommParam lacks).
 */
export const LINEAR_PARALLEL = {
  param: 'LinearParallelParam',
  required: { parallelType: '"RowParallel"', bias: '"None"' } as Record<string, string>,
  /** transWeight -> LinearParam.transposeB (the quant rewrite sets it true: int8 weights are stored transposed). */
  transpose: 'transWeight',
  comm: ['rank', 'rankSize', 'rankRoot', 'backend', 'hcclComm', 'rankTableFile'],
  allReduceType: 'atb::infer::AllReduceParam',
  linearType: 'atb::infer::LinearParam',
  /** Suffix of the new intermediate between the linear and the all-reduce (per-rank partial sums). */
  partialSuffix: '_PARTIAL',
};
