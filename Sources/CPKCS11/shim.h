#ifndef SIGNET_CPKCS11_SHIM_H
#define SIGNET_CPKCS11_SHIM_H
/* The PKCS#11 header shipped by p11-kit (libp11-kit-dev). Only the types and
   the function list are used: modules are opened with dlopen at run time. */
#include <p11-kit-1/p11-kit/pkcs11.h>
#endif
