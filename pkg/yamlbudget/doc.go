// Package yamlbudget refuses YAML whose aliases would expand it past a
// budget, before anything expands it.
//
// A YAML body can name one large anchor thousands of times: 100 kB sent
// becomes hundreds of MB once a decoder writes each alias out. The nested
// form (billion laughs) is caught by the decoders' own alias-ratio check;
// the flat, wide form is not. Both stax-apiserver (a handler-chain filter)
// and stax-gateway (its body reader) call Check, so the rule lives here.
package yamlbudget
