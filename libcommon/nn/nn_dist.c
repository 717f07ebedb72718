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

/* A run of one parameter's gradient: a parameter larger than a bucket is cut into several. */
struct piece {
	const nn_param *p;
	size_t off, n;
};

struct bucket {
	int lo;                 /* the lowest layer whose parameters it holds: ready after its backward */
	int first, npiece;      /* piece[first .. first + npiece), from the last layer's back */
	size_t n;
	float *buf;
	int started;
#ifdef HAVE_MPI
	MPI_Request req;
#endif
};

struct nn_dist_grad {
	nn_net *net;
	struct piece *piece;    /* the parameters from the last layer's to the first's, in pieces */
	struct bucket *b;
	int nb, next;
	float scale;
	double wait;
	long long steps;
	/* With MPI_THREAD_MULTIPLE, a thread of its own sums the buckets in order (as Horovod's
	 * background thread does), so they progress while backward computes; without, they are
	 * non-blocking allreduces that MPI moves on only inside MPI calls. */
	int threaded, queued, posted, done, quit;
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

/* v[0..n) reduced in place over the ranks; nothing with one. */
#ifdef HAVE_MPI
static void
reduce_doubles(double *v, int n, MPI_Op op, MPI_Comm comm)
{
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, op, comm);
}
#define REDUCE(v, n, op, comm) reduce_doubles(v, n, op, comm)
#else
#define REDUCE(v, n, op, comm) ((void)(v), (void)(n))
#endif

void
nn_dist_sum(double *v, int n)
{
	REDUCE(v, n, MPI_SUM, MPI_COMM_WORLD);
}

void
nn_dist_sum_bn(double *v, int n)
{
	REDUCE(v, n, MPI_SUM, bn_comm);
}

void
nn_dist_max(double *v, int n)
{
	REDUCE(v, n, MPI_MAX, MPI_COMM_WORLD);
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
/* The buckets of buckets[done .. to) that have been summed, in order, from done on. */
static int
summed_upto(nn_dist_grad *g, int done, int to)
{
	int flag = 1;

	while (done < to && flag) {
		MPI_Test(&g->b[done].req, &flag, MPI_STATUS_IGNORE);
		if (flag)
			done++;
	}
	return done;
}

/* Every queued bucket's allreduce is started at once, so that several are in flight (Open MPI
 * pipelines them: one rank reduces a bucket while the next one travels; summed one after the
 * other, 36 MiB took 3 times as long), and tested every 20 us rather than waited for: a
 * blocking MPI call spins, and would take the processor backward computes on. */
static void *
comm_thread(void *arg)
{
	nn_dist_grad *g = arg;
	struct timespec pause = { 0, 20000 };

	pthread_mutex_lock(&g->mu);
	while (!g->quit) {
		int from = g->posted, to = g->queued, done = g->done;
		if (done == to) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		pthread_mutex_unlock(&g->mu);
		for (int i = from; i < to; i++)
			MPI_Iallreduce(MPI_IN_PLACE, g->b[i].buf, (int)g->b[i].n, MPI_FLOAT, MPI_SUM, g->comm,
			               &g->b[i].req);
		done = summed_upto(g, done, to);
		if (done < to)
			nanosleep(&pause, NULL);
		pthread_mutex_lock(&g->mu);
		g->posted = to;
		if (done > g->done) {
			g->done = done;
			pthread_cond_broadcast(&g->cv);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}
#endif

/* Buckets of bucket_bytes (the last one less), filled from the last layer's parameters back to
 * the first's, the order in which backward finishes them; a parameter that does not fit the rest
 * of a bucket continues in the next, so that no bucket is larger (one dense layer's weights of
 * 36 MiB made one bucket of 36 MiB, started only when its layer was done and summed in one
 * piece).  A bucket is ready when backward has passed the lowest layer it holds. */
nn_dist_grad *
nn_dist_grad_new(nn_net *net, size_t bucket_bytes)
{
	nn_dist_grad *g = xcalloc(1, sizeof *g);
	size_t cap = bucket_bytes / sizeof(float), total = 0;
	int np = 0, *layer;

	if (bucket_bytes && cap == 0)
		cap = 1;
	for (int i = 0; i < net->nparams; i++)
		total += net->params[i]->n;
	/* at most one piece per parameter and one more per bucket boundary */
	size_t maxb = cap ? total / cap + 1 : 1, maxp = (size_t)net->nparams + maxb + 1;
	g->net = net;
	g->piece = xcalloc(maxp, sizeof *g->piece);
	layer = xcalloc(maxp, sizeof *layer);
	g->b = xcalloc(maxb + 1, sizeof *g->b);
	for (int i = net->nlayer - 1; i >= 0; i--)
		for (int j = 0; j < net->layer[i].nparam; j++) {
			const nn_param *p = &net->layer[i].param[j];
			for (size_t off = 0; off < p->n;) {
				struct bucket *b = g->nb ? &g->b[g->nb - 1] : NULL;
				if (!b || (cap && b->n >= cap)) {
					b = &g->b[g->nb++];
					b->first = np;
				}
				size_t n = p->n - off;
				if (cap && n > cap - b->n)
					n = cap - b->n;
				g->piece[np] = (struct piece){ p, off, n };
				layer[np++] = i;
				b->npiece++;
				b->n += n;
				b->lo = i;
				off += n;
			}
		}
	free(layer);
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
	free(g->piece);
	free(g);
}

#ifdef HAVE_MPI
/* A bucket's gradients, scaled, into its buffer. */
static void
gather(nn_dist_grad *g, struct bucket *b)
{
	size_t off = 0;

	for (int i = b->first; i < b->first + b->npiece; i++) {
		const struct piece *c = &g->piece[i];
		for (size_t j = 0; j < c->n; j++)
			b->buf[off + j] = c->p->g[c->off + j] * g->scale;
		off += c->n;
	}
}

static void
start_bucket(nn_dist_grad *g, struct bucket *b)
{
	gather(g, b);
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
		g->queued = g->posted = g->done = 0;
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
		gather(g, b);
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
		for (int i = b->first; i < b->first + b->npiece; i++) {
			const struct piece *c = &g->piece[i];
			memcpy(c->p->g + c->off, b->buf + off, c->n * sizeof(float));
			off += c->n;
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
