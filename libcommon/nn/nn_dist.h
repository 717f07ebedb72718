/*
 * Data-parallel training over MPI, as PyTorch DDP and Horovod do it: every rank holds the whole
 * network, rank 0's initial weights are broadcast, each rank computes the gradient of its share
 * of the global batch, and the gradients are summed with allreduce in buckets started
 * (MPI_Iallreduce) while backward still runs on the earlier layers.
 *
 * Built without MPI (no -DHAVE_MPI), or run without mpirun, everything here is one rank and
 * does nothing.  Only cnntrain links this file (with the MPI library, see the Makefile).
 */
#ifndef NN_DIST_H
#define NN_DIST_H

#include "nn.h"

/* Joins the MPI job when launched by mpirun (its environment says so); 0, or -1 with err. */
int nn_dist_init(int *argc, char ***argv, char *err, size_t errlen);
void nn_dist_finalize(void);
int nn_dist_rank(void);
int nn_dist_size(void);
/* "Open MPI v4.1.4, 2 ranks" or "not under mpirun, 1 rank" or "built without MPI, 1 rank". */
const char *nn_dist_describe(void);
/* Element-wise sums (and maxima) over the ranks, in place; blocking. */
void nn_dist_sum(double *v, int n);
void nn_dist_max(double *v, int n);
/* The same sum on a communicator of its own, for batch norm statistics taken during forward and
 * backward, so that they never meet the gradient buckets in flight (MPI orders the collectives
 * of one communicator only). */
void nn_dist_sum_bn(double *v, int n);
/* Every rank gets rank 0's parameters and saved state (batch norm statistics). */
void nn_dist_bcast_net(nn_net *net);

/* Gradient averaging.  bucket_bytes 0: one blocking allreduce after backward (no overlap). */
typedef struct nn_dist_grad nn_dist_grad;
nn_dist_grad *nn_dist_grad_new(nn_net *net, size_t bucket_bytes);
void nn_dist_grad_free(nn_dist_grad *g);
/* Before backward: gradients are scaled by `scale` (the rank's share of the batch) and each
 * bucket is started as soon as backward has passed its layers. */
void nn_dist_grad_begin(nn_dist_grad *g, float scale);
/* After backward: starts what is left, waits, and puts the sums back into the gradients. */
void nn_dist_grad_end(nn_dist_grad *g);
/* Seconds spent waiting for allreduce after backward (exposed communication), steps, buckets. */
void nn_dist_grad_stats(const nn_dist_grad *g, double *wait, long long *steps, int *nbucket);

/* A non-blocking sum of a few doubles (the batch's loss), started now and waited for later. */
typedef struct { double v[8]; int n; long req; } nn_dist_sums;
void nn_dist_sum_start(nn_dist_sums *s);
void nn_dist_sum_wait(nn_dist_sums *s);

#endif
