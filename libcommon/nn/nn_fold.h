/*
 * Inference-only graph folding, done once on a built network whose weights are loaded (as
 * ONNX Runtime does at session start): a batchnorm right after a conv2d, depthwise2d or dense
 * layer is folded into that layer's weights and bias, and a relu, leakyrelu or relu6 after it
 * into that layer's bias pass.  The folded layers are marked absorbed and their forward is
 * skipped.  The network's weights change in memory (never written back), so it is for
 * inference only afterwards: no nn_backward, no training, no model writing, no export.
 */
#ifndef NN_FOLD_H
#define NN_FOLD_H

#include "nn/nn.h"

/* Call after the weights are in place and before nn_share_activations.  Returns how many
 * layers it absorbed; 0 and nothing changed when the environment has NN_FOLD=0. */
int nn_fold_for_inference(nn_net *net);

#endif
