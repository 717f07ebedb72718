/* MPI data parallelism (HAVE_MPI), or one rank. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_dist.h"
#include "util/util.h"

#ifdef HAVE_MPI
#include <mpi.h>
static MPI_Comm bn_comm;
static int active, multiple;    /* in an MPI job; MPI_THREAD_MULTIPLE is offered */
#endif

static int rank, size = 1;
static char described[160];

struct bucket {
	int lo;                 /* the lowest layer whose parameters it holds: ready after its backward */
	int first, nparam;      /* params[first .. first + nparam) of the network, in reverse order */
	size_t n;
	float *buf;
	int started;
#ifdef HAVE_MPI
	MPI_Request req;
#endif
};

struct nn_dist_grad {
	nn_net *net;
	nn_param **order;       /* the parameters from the last layer's to the first's */
	int *layer;             /* each one's layer */
	struct bucket *b;
	int nb, next;
	float scale;
	double wait;
	long long steps;
	/* With MPI_THREAD_MULTIPLE, a thread of its own sums the buckets in order (as Horovod's
	 * background thread does), so they progress while backward computes; without, they are
	 * non-blocking allreduces that MPI moves on only inside MPI calls. */
	int threaded, queued, done, quit;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
#ifdef HAVE_MPI
	MPI_Comm comm;
#endif
};

int
nn_dist_rank(void)
{
	return rank;
}

int
nn_dist_size(void)
{
	return size;
}

#ifdef HAVE_MPI
static int
launched_by_mpirun(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}
#endif

int
nn_dist_init(int *argc, char ***argv, char *err, size_t errlen)
{
#ifdef HAVE_MPI
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len, provided;

	if (!launched_by_mpirun()) {
		snprintf(described, sizeof described, "MPI built in, not under mpirun: 1 rank");
		return 0;
	}
	if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
		snprintf(err, errlen, "MPI_Init failed");
		return -1;
	}
	/* a rank that dies or fails makes the job fail, never hang (the default, said here) */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	MPI_Comm_dup(MPI_COMM_WORLD, &bn_comm);
	multiple = provided >= MPI_THREAD_MULTIPLE && !getenv("NN_DIST_NO_THREAD");
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Get_library_version(lib, &len);
	lib[strcspn(lib, ",\n")] = 0;
	active = 1;
	snprintf(described, sizeof described, "MPI (%.100s): %d rank%s%s", lib, size, size == 1 ? "" : "s",
	         multiple ? ", gradients summed by a thread of their own" : "");
#else
	(void)argc;
	(void)argv;
	snprintf(described, sizeof described, "built without MPI: 1 rank");
#endif
	(void)err;
	(void)errlen;
	return 0;
}

void
nn_dist_finalize(void)
{
#ifdef HAVE_MPI
	if (active) {
		MPI_Comm_free(&bn_comm);
		MPI_Finalize();
	}
	active = 0;
#endif
}

const char *
nn_dist_describe(void)
{
	return described[0] ? described : "1 rank";
}

void
nn_dist_sum(double *v, int n)
{
#ifdef HAVE_MPI
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#else
	(void)v;
	(void)n;
#endif
}

void
nn_dist_sum_bn(double *v, int n)
{
#ifdef HAVE_MPI
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, bn_comm);
#else
	(void)v;
	(void)n;
#endif
}

void
nn_dist_max(double *v, int n)
{
#ifdef HAVE_MPI
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
#else
	(void)v;
	(void)n;
#endif
}

void
nn_dist_bcast_net(nn_net *net)
{
#ifdef HAVE_MPI
	if (size < 2)
		return;
	for (int i = 0; i < net->nparams; i++)
		MPI_Bcast(net->params[i]->w, (int)net->params[i]->n, MPI_FLOAT, 0, MPI_COMM_WORLD);
	for (int i = 0; i < net->nlayer; i++)
		if (net->layer[i].nstate)
			MPI_Bcast(net->layer[i].state, (int)net->layer[i].nstate, MPI_FLOAT, 0, MPI_COMM_WORLD);
#else
	(void)net;
#endif
}

void
nn_dist_sum_start(nn_dist_sums *s)
{
#ifdef HAVE_MPI
	MPI_Request *r = (MPI_Request *)&s->req;
	_Static_assert(sizeof(MPI_Request) <= sizeof(long), "MPI_Request fits a long");
	if (size > 1)
		MPI_Iallreduce(MPI_IN_PLACE, s->v, s->n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, r);
#else
	(void)s;
#endif
}

void
nn_dist_sum_wait(nn_dist_sums *s)
{
#ifdef HAVE_MPI
	if (size > 1)
		MPI_Wait((MPI_Request *)&s->req, MPI_STATUS_IGNORE);
#else
	(void)s;
#endif
}

#ifdef HAVE_MPI
/* One bucket's allreduce, tested every 20 us rather than waited for: a blocking MPI call spins,
 * and would take the processor backward computes on. */
static void
summed(nn_dist_grad *g, struct bucket *b)
{
	struct timespec pause = { 0, 20000 };
	MPI_Request req;
	int flag = 0;

	MPI_Iallreduce(MPI_IN_PLACE, b->buf, (int)b->n, MPI_FLOAT, MPI_SUM, g->comm, &req);
	for (;;) {
		MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
		if (flag)
			break;
		nanosleep(&pause, NULL);
	}
}

static void *
comm_thread(void *arg)
{
	nn_dist_grad *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->quit) {
		if (g->done < g->queued) {
			struct bucket *b = &g->b[g->done];
			pthread_mutex_unlock(&g->mu);
			summed(g, b);
			pthread_mutex_lock(&g->mu);
			g->done++;
			pthread_cond_broadcast(&g->cv);
		} else {
			pthread_cond_wait(&g->cv, &g->mu);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}
#endif

/* Buckets of about bucket_bytes, filled from the last layer's parameters back to the first's:
 * the order in which backward finishes them. */
nn_dist_grad *
nn_dist_grad_new(nn_net *net, size_t bucket_bytes)
{
	nn_dist_grad *g = xcalloc(1, sizeof *g);
	int k = 0;

	g->net = net;
	g->order = xcalloc((size_t)net->nparams + 1, sizeof *g->order);
	g->layer = xcalloc((size_t)net->nparams + 1, sizeof *g->layer);
	for (int i = net->nlayer - 1; i >= 0; i--)
		for (int j = 0; j < net->layer[i].nparam; j++) {
			g->order[k] = &net->layer[i].param[j];
			g->layer[k++] = i;
		}
	g->b = xcalloc((size_t)k + 1, sizeof *g->b);
	for (int i = 0; i < k; i++) {
		struct bucket *b = g->nb ? &g->b[g->nb - 1] : NULL;
		/* a new bucket when the last is full; one layer's parameters stay together */
		if (!b || (bucket_bytes && b->n * sizeof(float) >= bucket_bytes && g->layer[i] != b->lo)) {
			b = &g->b[g->nb++];
			b->first = i;
		}
		b->nparam++;
		b->n += g->order[i]->n;
		b->lo = g->layer[i];
	}
	for (int i = 0; i < g->nb; i++)
		g->b[i].buf = xcalloc(g->b[i].n + 1, sizeof(float));
#ifdef HAVE_MPI
	if (active && size > 1 && multiple && g->nb > 1) {
		MPI_Comm_dup(MPI_COMM_WORLD, &g->comm);
		pthread_mutex_init(&g->mu, NULL);
		pthread_cond_init(&g->cv, NULL);
		g->threaded = pthread_create(&g->th, NULL, comm_thread, g) == 0;
		if (!g->threaded)
			MPI_Comm_free(&g->comm);
	}
#endif
	return g;
}

void
nn_dist_grad_free(nn_dist_grad *g)
{
	if (!g)
		return;
#ifdef HAVE_MPI
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->quit = 1;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->th, NULL);
		MPI_Comm_free(&g->comm);
	}
#endif
	for (int i = 0; i < g->nb; i++)
		free(g->b[i].buf);
	free(g->b);
	free(g->order);
	free(g->layer);
	free(g);
}

#ifdef HAVE_MPI
static void
start_bucket(nn_dist_grad *g, struct bucket *b)
{
	size_t off = 0;

	for (int i = b->first; i < b->first + b->nparam; i++) {
		const nn_param *p = g->order[i];
		for (size_t j = 0; j < p->n; j++)
			b->buf[off + j] = p->g[j] * g->scale;
		off += p->n;
	}
	b->started = 1;
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->queued++;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		return;
	}
	MPI_Iallreduce(MPI_IN_PLACE, b->buf, (int)b->n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &b->req);
}

/* Called by nn_backward after each layer: starts the buckets that layer completed, and lets
 * MPI progress the ones on their way (Open MPI moves non-blocking collectives only inside calls). */
static void
layer_done(void *ctx, int layer)
{
	nn_dist_grad *g = ctx;

	while (g->next < g->nb && g->b[g->next].lo >= layer)
		start_bucket(g, &g->b[g->next++]);
	for (int i = 0; i < g->next && !g->threaded; i++) {
		int flag;
		if (g->b[i].started)
			MPI_Test(&g->b[i].req, &flag, MPI_STATUS_IGNORE);
	}
}
#endif

void
nn_dist_grad_begin(nn_dist_grad *g, float scale)
{
	g->scale = scale;
	g->next = 0;
#ifdef HAVE_MPI
	for (int i = 0; i < g->nb; i++)
		g->b[i].started = 0;
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->queued = g->done = 0;
		pthread_mutex_unlock(&g->mu);
	}
	if (size > 1 && g->nb > 1) {
		g->net->grad_hook = layer_done;
		g->net->grad_ctx = g;
	}
#endif
}

void
nn_dist_grad_end(nn_dist_grad *g)
{
	g->net->grad_hook = NULL;
	g->net->grad_ctx = NULL;
	if (size < 2)
		return;
#ifdef HAVE_MPI
	double t0 = now_seconds();
	if (g->nb == 1) {
		/* one bucket: the plain blocking allreduce after backward */
		struct bucket *b = &g->b[0];
		size_t off = 0;
		for (int i = b->first; i < b->first + b->nparam; i++) {
			const nn_param *p = g->order[i];
			for (size_t j = 0; j < p->n; j++)
				b->buf[off + j] = p->g[j] * g->scale;
			off += p->n;
		}
		MPI_Allreduce(MPI_IN_PLACE, b->buf, (int)b->n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		b->started = 0;
	} else {
		while (g->next < g->nb)
			start_bucket(g, &g->b[g->next++]);
		if (g->threaded) {
			pthread_mutex_lock(&g->mu);
			while (g->done < g->nb)
				pthread_cond_wait(&g->cv, &g->mu);
			pthread_mutex_unlock(&g->mu);
		} else {
			for (int i = 0; i < g->nb; i++)
				MPI_Wait(&g->b[i].req, MPI_STATUS_IGNORE);
		}
	}
	g->wait += now_seconds() - t0;
	g->steps++;
	for (int k = 0; k < g->nb; k++) {
		struct bucket *b = &g->b[k];
		size_t off = 0;
		for (int i = b->first; i < b->first + b->nparam; i++) {
			nn_param *p = g->order[i];
			memcpy(p->g, b->buf + off, p->n * sizeof(float));
			off += p->n;
		}
	}
#endif
}

void
nn_dist_grad_stats(const nn_dist_grad *g, double *wait, long long *steps, int *nbucket)
{
	*wait = g->wait;
	*steps = g->steps;
	*nbucket = g->nb;
}
