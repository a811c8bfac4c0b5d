/* version.h - the nn2rules version, printed by --version and written into
 * every output's provenance. */
#ifndef NR_VERSION_H
#define NR_VERSION_H
#define NR_VERSION "0.1.0"
#endif
