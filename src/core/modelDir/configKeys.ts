/**
 * Where each model dimension lives in the config.json of the model families we meet. Data, not
 * if-chains: the first key present wins, and the key that answered is the finding's provenance.
 */
export const CONFIG_KEYS = {
  hiddenSize: ['hidden_size', 'n_embd', 'd_model'],
  numLayers: ['num_hidden_layers', 'num_layers', 'n_layer', 'n_layers'],
  numHeads: ['num_attention_heads', 'n_head', 'n_heads'],
  numKvHeads: ['num_key_value_heads', 'multi_query_group_num', 'num_kv_heads', 'n_head_kv', 'n_kv_heads'],
  headDim: ['head_dim', 'kv_channels'],
  vocabSize: ['vocab_size', 'padded_vocab_size', 'n_vocab'],
  intermediateSize: ['intermediate_size', 'ffn_hidden_size', 'n_inner'],
  maxPositions: ['max_position_embeddings', 'seq_length', 'max_sequence_length', 'n_positions', 'model_max_length'],
  normEps: ['rms_norm_eps', 'layer_norm_eps', 'layernorm_epsilon', 'layer_norm_epsilon', 'norm_epsilon'],
  ropeTheta: ['rope_theta', 'rotary_emb_base', 'rope_base'],
  activation: ['hidden_act', 'activation_function', 'hidden_activation'],
  dtype: ['torch_dtype', 'dtype'],
} as const;

export type ConfigDim = keyof typeof CONFIG_KEYS;

/** The v3 config class reads these canonical names; an alias found in config.json is copied over. */
export const CANONICAL_KEY: Record<ConfigDim, string> = {
  hiddenSize: 'hidden_size',
  numLayers: 'num_hidden_layers',
  numHeads: 'num_attention_heads',
  numKvHeads: 'num_key_value_heads',
  headDim: 'head_dim',
  vocabSize: 'vocab_size',
  intermediateSize: 'intermediate_size',
  maxPositions: 'max_position_embeddings',
  normEps: 'rms_norm_eps',
  ropeTheta: 'rope_theta',
  activation: 'hidden_act',
  dtype: 'torch_dtype',
};
