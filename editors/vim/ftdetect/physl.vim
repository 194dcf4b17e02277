" PhySL files: *.physl, and scripts starting with #!/usr/bin/env physl
autocmd BufNewFile,BufRead *.physl setfiletype physl
autocmd BufNewFile,BufRead * if getline(1) =~# '^#!.*\<physl\>' | setfiletype physl | endif
