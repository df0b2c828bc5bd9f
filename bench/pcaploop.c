/*
 * pcaploop: the floor for reading a capture.  A bare libpcap loop that
 * reads every record with pcap_next_ex() and touches its bytes, nothing
 * else; marsdump's figures are compared against it.
 *
 *   pcaploop FILE
 *
 * Prints one line: "pcaploop: N records in S s (R records/s)".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pcap/pcap.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0, touch = 0;
	double t0, dt;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcaploop FILE\n");
		return 2;
	}
	t0 = now();
	if ((p = pcap_open_offline(argv[1], errbuf)) == NULL) {
		fprintf(stderr, "pcaploop: %s\n", errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		/* First and last octet: the record really was read. */
		if (h->caplen > 0)
			touch += data[0] + data[h->caplen - 1];
		n++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcaploop: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	dt = now() - t0;
	printf("pcaploop: %llu records in %.6f s (%.0f records/s) [%llu]\n",
	    (unsigned long long)n, dt, dt > 0 ? (double)n / dt : 0.0,
	    (unsigned long long)(touch & 0xffff));
	return 0;
}
