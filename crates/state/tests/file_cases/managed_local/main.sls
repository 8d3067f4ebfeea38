local_path:
  file.managed:
    - name: __DIR__/copy1.txt
    - source: __DIR__/src.txt

file_url:
  file.managed:
    - name: __DIR__/copy2.txt
    - source: file://__DIR__/src.txt

good_hash:
  file.managed:
    - name: __DIR__/copy3.txt
    - source: __DIR__/src.txt
    - source_hash: sha256=570c98f222f2474203861efa210679be2e6a76c8679a18f96dae44d8daae0317

md5_hash:
  file.managed:
    - name: __DIR__/copy4.txt
    - source: __DIR__/src.txt
    - source_hash: 8ccfc072efa1a48e9ab1799e27285b81

bad_hash:
  file.managed:
    - name: __DIR__/copy5.txt
    - source: __DIR__/src.txt
    - source_hash: md5=00000000000000000000000000000000

bad_hash_existing:
  file.managed:
    - name: __DIR__/existing.txt
    - source: __DIR__/src.txt
    - source_hash: 0000000000000000000000000000000000000000000000000000000000000000

invalid_hash:
  file.managed:
    - name: __DIR__/copy6.txt
    - source: __DIR__/src.txt
    - source_hash: nothex

wrong_length:
  file.managed:
    - name: __DIR__/copy7.txt
    - source: __DIR__/src.txt
    - source_hash: sha256=abcd

unknown_type:
  file.managed:
    - name: __DIR__/copy8.txt
    - source: __DIR__/src.txt
    - source_hash: sha3=00000000000000000000000000000000

local_in_list:
  file.managed:
    - name: __DIR__/copy9.txt
    - source:
      - __DIR__/nope.txt
      - __DIR__/src.txt
